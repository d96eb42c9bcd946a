using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>The one generic implementation of Beaver/AND and the triple formula rests on these ring kernels and on the
/// chunked triple loop; both are checked against scalar references here.</summary>
public sealed class ShareRingTests
{
    private static readonly Arbitrary<ulong[]> AnyULongs =
        ArbMap.Default.ArbFor<DoNotSize<ulong>[]>().Convert(a => Array.ConvertAll(a, d => d.Item), a => Array.ConvertAll(a, DoNotSize<ulong>.NewDoNotSize));

    [Fact]
    public void Arithmetic_ring_kernels_are_addition_subtraction_and_multiply_accumulate_mod_2_to_the_32()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, Properties.AnyUInts, (x0, y0, z0) =>
        {
            int n = Math.Min(x0.Length, Math.Min(y0.Length, z0.Length));
            uint[] x = x0[..n], y = y0[..n], acc = z0[..n], sum = new uint[n], diff = new uint[n], scratch = new uint[n];
            ArithmeticRing.Add(x, y, sum);
            ArithmeticRing.Subtract(x, y, diff);
            ArithmeticRing.MultiplyAccumulate(x, y, acc, scratch);
            for (int i = 0; i < n; i++)
            {
                if (sum[i] != unchecked(x[i] + y[i]) || diff[i] != unchecked(x[i] - y[i]) || acc[i] != unchecked(z0[i] + (x[i] * y[i])))
                {
                    return false;
                }
            }

            // Aliasing: the destination may be an operand.
            uint[] alias = (uint[])x.Clone();
            ArithmeticRing.Add(alias, y, alias);
            return alias.SequenceEqual(sum);
        }));
    }

    [Fact]
    public void Boolean_ring_kernels_are_xor_and_and_xor_accumulate()
    {
        Properties.Check(Prop.ForAll(AnyULongs, AnyULongs, AnyULongs, (x0, y0, z0) =>
        {
            int n = Math.Min(x0.Length, Math.Min(y0.Length, z0.Length));
            ulong[] x = x0[..n], y = y0[..n], acc = z0[..n], sum = new ulong[n], diff = new ulong[n], scratch = new ulong[n];
            BooleanRing.Add(x, y, sum);
            BooleanRing.Subtract(x, y, diff);
            BooleanRing.MultiplyAccumulate(x, y, acc, scratch);
            for (int i = 0; i < n; i++)
            {
                if (sum[i] != (x[i] ^ y[i]) || diff[i] != sum[i] || acc[i] != (z0[i] ^ (x[i] & y[i])))
                {
                    return false;
                }
            }

            return true;
        }));
        Assert.Equal(ShareDomain.Arithmetic, ArithmeticRing.Domain);
        Assert.Equal(ShareDomain.Boolean, BooleanRing.Domain);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(8191)]
    [InlineData(8192)]
    [InlineData(8193)]
    [InlineData(20_000)]
    public async Task Replicated_triples_are_valid_across_chunk_boundaries_in_both_rings(int length)
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Parties.TestTimeout);
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        try
        {
            var a = new uint[3][];
            var b = new uint[3][];
            var c = new uint[3][];
            int words = Math.Max(0, length / 2); // 4096 words is the boolean chunk
            var xa = new ulong[3][];
            var xb = new ulong[3][];
            var xc = new ulong[3][];
            for (int p = 0; p < 3; p++)
            {
                using var source = new ReplicatedTripleSource(sessions[p]);
                (a[p], b[p], c[p]) = (new uint[length], new uint[length], new uint[length]);
                source.FillBeaverTriples(a[p], b[p], c[p]);
                (xa[p], xb[p], xc[p]) = (new ulong[words], new ulong[words], new ulong[words]);
                source.FillAndTriples(xa[p], xb[p], xc[p]);
            }

            for (int i = 0; i < length; i++)
            {
                uint sa = unchecked(a[0][i] + a[1][i] + a[2][i]), sb = unchecked(b[0][i] + b[1][i] + b[2][i]), sc = unchecked(c[0][i] + c[1][i] + c[2][i]);
                Assert.Equal(unchecked(sa * sb), sc);
            }

            for (int i = 0; i < words; i++)
            {
                ulong sa = xa[0][i] ^ xa[1][i] ^ xa[2][i], sb = xb[0][i] ^ xb[1][i] ^ xb[2][i], sc = xc[0][i] ^ xc[1][i] ^ xc[2][i];
                Assert.Equal(sa & sb, sc);
            }

            // Not degenerate: the triples are not all zero, and no party holds the whole of a.
            if (length > 8)
            {
                Assert.Contains(c[0], v => v != 0);
                Assert.NotEqual(a[0], a[1]);
            }
        }
        finally
        {
            await Task.WhenAll(sessions.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
