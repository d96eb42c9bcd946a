using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The one-pass kernels of the Beaver engine give exactly the values of the step-by-step code: the triple formula
/// (two sources over the same session draw the same streams, one through each path), and the masked variant that
/// writes d = x − a, e = y − b instead of a and b. Lengths cross the kernels' 256-bit lanes and their 4 KiB chunks.
/// </summary>
public sealed class BeaverKernelTests
{
    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 1023, 1024, 1025, 5000, 20_011];

    [Fact]
    public async Task Fused_arithmetic_triples_equal_the_step_by_step_formula_and_the_masked_openings()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 31);
        for (int p = 0; p < 3; p++)
        {
            using var fused = new ReplicatedTripleSource(sessions[p]);
            using var stepwise = new ReplicatedTripleSource(sessions[p]);
            using var masked = new ReplicatedTripleSource(sessions[p]);
            using var rng = new AesCtrPrg(new byte[16]);
            foreach (int n in Lengths)
            {
                uint[] a = new uint[n], b = new uint[n], c = new uint[n];
                uint[] a2 = new uint[n], b2 = new uint[n], c2 = new uint[n];
                fused.FillBeaverTriples(a, b, c);
                stepwise.FillBeaverTriplesStepwise(a2, b2, c2);
                Assert.Equal(a2, a);
                Assert.Equal(b2, b);
                Assert.Equal(c2, c);

                uint[] x = new uint[n], y = new uint[n];
                rng.Fill(x);
                rng.Fill(y);
                uint[] d = new uint[n], e = new uint[n], c3 = new uint[n];
                masked.FillMasked<uint>(x, y, d, e, c3);
                Assert.Equal(c, c3);
                Assert.Equal(Enumerable.Range(0, n).Select(i => x[i] - a[i]), d);
                Assert.Equal(Enumerable.Range(0, n).Select(i => y[i] - b[i]), e);
            }
        }

        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task Fused_AND_triples_equal_the_step_by_step_formula_and_the_masked_openings()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 32);
        for (int p = 0; p < 3; p++)
        {
            using var fused = new ReplicatedTripleSource(sessions[p]);
            using var stepwise = new ReplicatedTripleSource(sessions[p]);
            using var masked = new ReplicatedTripleSource(sessions[p]);
            using var rng = new AesCtrPrg(new byte[16]);
            foreach (int n in Lengths)
            {
                ulong[] a = new ulong[n], b = new ulong[n], c = new ulong[n];
                ulong[] a2 = new ulong[n], b2 = new ulong[n], c2 = new ulong[n];
                fused.FillAndTriples(a, b, c);
                stepwise.FillAndTriplesStepwise(a2, b2, c2);
                Assert.Equal(a2, a);
                Assert.Equal(b2, b);
                Assert.Equal(c2, c);

                ulong[] x = new ulong[n], y = new ulong[n];
                rng.Fill(x);
                rng.Fill(y);
                ulong[] d = new ulong[n], e = new ulong[n], c3 = new ulong[n];
                masked.FillMasked<ulong>(x, y, d, e, c3);
                Assert.Equal(c, c3);
                Assert.Equal(Enumerable.Range(0, n).Select(i => x[i] ^ a[i]), d);
                Assert.Equal(Enumerable.Range(0, n).Select(i => y[i] ^ b[i]), e);
            }
        }

        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task Masked_draws_refuse_unequal_lengths()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 33);
        using var source = new ReplicatedTripleSource(sessions[0]);
        Assert.Throws<ArgumentException>(() => source.FillMasked<uint>(new uint[3], new uint[3], new uint[3], new uint[3], new uint[2]));
        Assert.Throws<ArgumentException>(() => source.FillMasked<uint>(new uint[2], new uint[3], new uint[3], new uint[3], new uint[3]));
        await SeededSessions.DisposeAllAsync(sessions);
    }
}
