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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_combination_kernel_is_the_formula_and_writes_nothing_past_its_output(bool constantHolder)
    {
        // z = c + d·b + e·a (+ d·e at the constant holder) with d = dMine + d1 + d2, e = eMine + e1 + e2, a = x − dMine,
        // b = y − eMine; the output is a slice of a longer array whose tail must stay as it was (the kernel writes
        // through unchecked references, so an off-by-one would silently overwrite the next values).
        using var rng = new AesCtrPrg(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());
        const uint Sentinel = 0xDEADBEEF;
        foreach (int n in Lengths.Append(3).Append(17))
        {
            // The inputs are slices of longer random arrays too, so that reading past them gives values that are not 0.
            uint[][] ins = Enumerable.Range(0, 8).Select(_ => new uint[n + 9]).ToArray();
            foreach (uint[] v in ins)
            {
                rng.Fill(v);
                v[n] |= 1;
            }

            uint[] z = new uint[n + 9];
            rng.Fill(z.AsSpan(0, n));
            uint[] c = z[..n];
            z.AsSpan(n).Fill(Sentinel);
            ReadOnlySpan<uint> In(int j) => ins[j].AsSpan(0, n);
            BeaverKernels.Combine<uint, ArithmeticLanes>(In(0), In(1), In(2), In(3), In(4), In(5), In(6), In(7), z.AsSpan(0, n), constantHolder);
            for (int i = 0; i < n; i++)
            {
                uint a = ins[0][i] - ins[2][i], b = ins[1][i] - ins[3][i];
                uint d = ins[2][i] + ins[4][i] + ins[6][i], e = ins[3][i] + ins[5][i] + ins[7][i];
                Assert.Equal(c[i] + (d * b) + (e * a) + (constantHolder ? d * e : 0), z[i]);
            }

            Assert.All(z[n..], v => Assert.Equal(Sentinel, v));

            ulong[][] bits = Enumerable.Range(0, 8).Select(_ => new ulong[n + 5]).ToArray();
            foreach (ulong[] v in bits)
            {
                rng.Fill(v);
                v[n] |= 1;
            }

            ulong[] w = new ulong[n + 5];
            rng.Fill(w.AsSpan(0, n));
            ulong[] cw = w[..n];
            w.AsSpan(n).Fill(Sentinel);
            ReadOnlySpan<ulong> Bits(int j) => bits[j].AsSpan(0, n);
            BeaverKernels.Combine<ulong, BooleanLanes>(Bits(0), Bits(1), Bits(2), Bits(3), Bits(4), Bits(5), Bits(6), Bits(7), w.AsSpan(0, n), constantHolder);
            for (int i = 0; i < n; i++)
            {
                ulong a = bits[0][i] ^ bits[2][i], b = bits[1][i] ^ bits[3][i];
                ulong d = bits[2][i] ^ bits[4][i] ^ bits[6][i], e = bits[3][i] ^ bits[5][i] ^ bits[7][i];
                Assert.Equal(cw[i] ^ (d & b) ^ (e & a) ^ (constantHolder ? d & e : 0), w[i]);
            }

            Assert.All(w[n..], v => Assert.Equal(Sentinel, v));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_triple_kernel_writes_nothing_past_its_outputs(bool masked)
    {
        using var rng = new AesCtrPrg(Enumerable.Range(7, 16).Select(i => (byte)i).ToArray());
        const uint Sentinel = 0xDEADBEEF;
        foreach (int n in Lengths.Append(3).Append(17))
        {
            uint[][] ins = Enumerable.Range(0, 12).Select(_ => new uint[n]).ToArray();
            foreach (uint[] v in ins)
            {
                rng.Fill(v);
            }

            uint[][] outs = Enumerable.Range(0, 3).Select(_ => Enumerable.Repeat(Sentinel, n + 9).ToArray()).ToArray();
            BeaverKernels.Triples<uint, ArithmeticLanes>(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5], ins[6], ins[7], ins[8], ins[9],
                masked ? ins[10] : default, masked ? ins[11] : default, outs[0].AsSpan(0, n), outs[1].AsSpan(0, n), outs[2].AsSpan(0, n));
            for (int i = 0; i < n; i++)
            {
                uint a = ins[0][i] + ins[7][i] - ins[6][i], b = ins[2][i] + ins[9][i] - ins[8][i];
                Assert.Equal(ins[5][i] - ins[4][i] + (ins[0][i] * (ins[2][i] + ins[3][i])) + (ins[1][i] * ins[2][i]), outs[2][i]);
                Assert.Equal(masked ? ins[10][i] - a : a, outs[0][i]);
                Assert.Equal(masked ? ins[11][i] - b : b, outs[1][i]);
            }

            Assert.All(outs, o => Assert.All(o[n..], v => Assert.Equal(Sentinel, v)));
        }
    }

    [Fact]
    public async Task Disposing_a_source_clears_its_buffered_triple_keystream()
    {
        // The buffer holds the keystream of the last triples drawn (this party's triple shares are computed from it):
        // whoever reads the process's memory after the source is disposed must not find it.
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 34);
        var source = new ReplicatedTripleSource(sessions[0]);
        source.FillBeaverTriples(new uint[100], new uint[100], new uint[100]);
        byte[] buffer = source.KeystreamBuffer;
        Assert.Contains(buffer, b => b != 0);
        source.Dispose();
        Assert.All(buffer, b => Assert.Equal(0, b));
        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task Masked_draws_refuse_unequal_lengths()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 33);
        using var source = new ReplicatedTripleSource(sessions[0]);
        Assert.Throws<ArgumentException>(() => source.FillMasked<uint>(new uint[3], new uint[3], new uint[3], new uint[3], new uint[2]));
        Assert.Throws<ArgumentException>(() => source.FillMasked<uint>(new uint[2], new uint[3], new uint[3], new uint[3], new uint[3]));
        Assert.Throws<ArgumentException>(() => source.FillMasked<uint>(new uint[3], new uint[3], new uint[2], new uint[3], new uint[3]));
        Assert.Throws<ArgumentException>(() => source.FillMasked<ulong>(new ulong[3], new ulong[3], new ulong[3], new ulong[4], new ulong[3]));
        Assert.Throws<ArgumentException>(() => source.FillBeaverTriplesStepwise(new uint[3], new uint[3], new uint[2]));
        Assert.Throws<ArgumentException>(() => source.FillAndTriplesStepwise(new ulong[3], new ulong[2], new ulong[3]));
        Assert.Throws<NotSupportedException>(() => source.FillMasked<int>(new int[1], new int[1], new int[1], new int[1], new int[1]));
        await SeededSessions.DisposeAllAsync(sessions);
    }
}
