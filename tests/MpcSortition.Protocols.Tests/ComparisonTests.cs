using MpcSortition.Core;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;
using static MpcSortition.Protocols.Tests.ComparisonHarness;

namespace MpcSortition.Protocols.Tests;

public class ComparisonTests
{
    private static readonly Config FewRuns = Properties.Config.WithMaxTest(20);

    internal delegate ValueTask<BitShareVector> BinaryOp(IArithmeticBlackBox abb, ShareVector x, ShareVector y);

    internal delegate ValueTask<BitShareVector> PublicOp(IArithmeticBlackBox abb, ShareVector x, uint[] c);

    internal static async Task<bool[]> RunBinaryAsync(uint[] x, uint[] y, BinaryOp op, int seed = 7)
    {
        uint[][] xs, ys;
        using (AesCtrPrgScope prg = new(seed))
        {
            xs = Deal(x, prg.Prg);
            ys = Deal(y, prg.Prg);
        }

        ulong[][] shares = await RunAsync(async abb =>
        {
            BitShareVector r = await op(abb, abb.FromShares(xs[abb.PartyIndex]), abb.FromShares(ys[abb.PartyIndex]));
            Assert.Equal(x.Length, r.BitLength);
            return r.Words.ToArray();
        });
        return OpenBits(shares, x.Length);
    }

    internal static async Task<bool[]> RunPublicAsync(uint[] x, uint[] c, PublicOp op, int seed = 7)
    {
        uint[][] xs;
        using (AesCtrPrgScope prg = new(seed))
        {
            xs = Deal(x, prg.Prg);
        }

        ulong[][] shares = await RunAsync(async abb =>
        {
            BitShareVector r = await op(abb, abb.FromShares(xs[abb.PartyIndex]), c);
            return r.Words.ToArray();
        });
        return OpenBits(shares, x.Length);
    }

    internal sealed class AesCtrPrgScope(int seed) : IDisposable
    {
        internal Core.AesCtrPrg Prg { get; } = Prg(seed);

        public void Dispose() => Prg.Dispose();
    }

    // ------------------------------------------------------------------ plaintext references

    private static bool Less(uint x, uint y, ComparisonMode mode) => mode switch
    {
        ComparisonMode.Signed => (int)x < (int)y,
        ComparisonMode.Unsigned => x < y,
        _ => (int)(x - y) < 0,
    };

    private static (uint[] X, uint[] Y) AllBoundaryPairs()
    {
        var x = new List<uint>();
        var y = new List<uint>();
        foreach (uint a in Boundaries)
        {
            foreach (uint b in Boundaries)
            {
                x.Add(a);
                y.Add(b);
            }
        }

        return (x.ToArray(), y.ToArray());
    }

    // ------------------------------------------------------------------ comparisons

    [Theory]
    [InlineData(ComparisonMode.Unsigned)]
    [InlineData(ComparisonMode.Signed)]
    public async Task AllRelationsAreExactOnAllBoundaryPairs(ComparisonMode mode)
    {
        (uint[] x, uint[] y) = AllBoundaryPairs();
        bool[] lt = await RunBinaryAsync(x, y, (abb, a, b) => abb.LessThanAsync(a, b, mode));
        bool[] le = await RunBinaryAsync(x, y, (abb, a, b) => abb.LessOrEqualAsync(a, b, mode));
        bool[] gt = await RunBinaryAsync(x, y, (abb, a, b) => abb.GreaterThanAsync(a, b, mode));
        bool[] ge = await RunBinaryAsync(x, y, (abb, a, b) => abb.GreaterOrEqualAsync(a, b, mode));
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Less(x[i], y[i], mode), lt[i]);
            Assert.Equal(!Less(y[i], x[i], mode), le[i]);
            Assert.Equal(Less(y[i], x[i], mode), gt[i]);
            Assert.Equal(!Less(x[i], y[i], mode), ge[i]);
        }
    }

    [Theory]
    [InlineData(ComparisonMode.Unsigned)]
    [InlineData(ComparisonMode.Signed)]
    public async Task PublicOperandRelationsAreExactOnAllBoundaryPairs(ComparisonMode mode)
    {
        (uint[] x, uint[] c) = AllBoundaryPairs();
        bool[] lt = await RunPublicAsync(x, c, (abb, a, k) => abb.LessThanAsync(a, k, mode));
        bool[] le = await RunPublicAsync(x, c, (abb, a, k) => abb.LessOrEqualAsync(a, k, mode));
        bool[] gt = await RunPublicAsync(x, c, (abb, a, k) => abb.GreaterThanAsync(a, k, mode));
        bool[] ge = await RunPublicAsync(x, c, (abb, a, k) => abb.GreaterOrEqualAsync(a, k, mode));
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Less(x[i], c[i], mode), lt[i]);
            Assert.Equal(!Less(c[i], x[i], mode), le[i]);
            Assert.Equal(Less(c[i], x[i], mode), gt[i]);
            Assert.Equal(!Less(x[i], c[i], mode), ge[i]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(3001)]
    public async Task LessThanMatchesPlaintextForBatchesOfAnySize(int count)
    {
        using var prg = Prg(count);
        uint[] x = Values(prg, count), y = Values(prg, count);
        for (int i = 0; i < count; i += 5)
        {
            y[i] = x[i]; // ties
        }

        bool[] unsigned = await RunBinaryAsync(x, y, (abb, a, b) => abb.LessThanAsync(a, b));
        bool[] signed = await RunBinaryAsync(x, y, (abb, a, b) => abb.LessThanAsync(a, b, ComparisonMode.Signed));
        Assert.Equal(x.Zip(y, (a, b) => a < b), unsigned);
        Assert.Equal(x.Zip(y, (a, b) => (int)a < (int)b), signed);
    }

    [Fact]
    public void LessThanIsExactForRandomFullRangeValues() =>
        FsCheck.Check.One(FewRuns, Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (a, b) =>
        {
            int n = Math.Min(a.Length, b.Length);
            uint[] x = a[..n], y = b[..n];
            bool[] lt = RunBinaryAsync(x, y, (abb, p, q) => abb.LessThanAsync(p, q), seed: n).GetAwaiter().GetResult();
            bool[] le = RunPublicAsync(x, y, (abb, p, k) => abb.LessOrEqualAsync(p, k, ComparisonMode.Signed), seed: n).GetAwaiter().GetResult();
            return lt.SequenceEqual(x.Zip(y, (u, v) => u < v)) && le.SequenceEqual(x.Zip(y, (u, v) => (int)u <= (int)v));
        }));

    [Fact]
    public async Task SignOfDifferenceIsExactWhenTheDifferenceIsBounded()
    {
        using var prg = Prg(11);
        var x = new uint[2000];
        var y = new uint[2000];
        prg.Fill(x);
        prg.Fill(y);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] >>= 1; // both in [0, 2^31): |x − y| < 2^31
            y[i] = i % 7 == 0 ? x[i] : y[i] >> 1;
        }

        x[0] = 0;
        y[0] = 0x7FFF_FFFF;
        x[1] = 0x7FFF_FFFF;
        y[1] = 0;
        bool[] lt = await RunBinaryAsync(x, y, (abb, a, b) => abb.LessThanAsync(a, b, ComparisonMode.SignOfDifference));
        bool[] ge = await RunBinaryAsync(x, y, (abb, a, b) => abb.GreaterOrEqualAsync(a, b, ComparisonMode.SignOfDifference));
        Assert.Equal(x.Zip(y, (a, b) => a < b), lt);
        Assert.Equal(x.Zip(y, (a, b) => a >= b), ge);
    }

    [Fact]
    public async Task IsNegativeIsTheSignBit()
    {
        using var prg = Prg(12);
        uint[] x = [.. Boundaries, .. Values(prg, 500)];
        bool[] neg = await RunBinaryAsync(x, x, (abb, a, _) => abb.IsNegativeAsync(a));
        Assert.Equal(x.Select(v => (int)v < 0), neg);
    }

    // ------------------------------------------------------------------ equality

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2500)]
    public async Task EqualityMatchesPlaintext(int count)
    {
        using var prg = Prg(100 + count);
        uint[] x = Values(prg, count), y = Values(prg, count);
        for (int i = 0; i < count; i += 3)
        {
            y[i] = x[i];
        }

        for (int i = 1; i < count; i += 7)
        {
            y[i] = x[i] ^ (1u << (i % 32)); // differ in exactly one bit
        }

        bool[] eq = await RunBinaryAsync(x, y, (abb, a, b) => abb.EqualAsync(a, b));
        bool[] eqPublic = await RunPublicAsync(x, y, (abb, a, c) => abb.EqualAsync(a, c));
        Assert.Equal(x.Zip(y, (a, b) => a == b), eq);
        Assert.Equal(x.Zip(y, (a, b) => a == b), eqPublic);
    }

    [Fact]
    public async Task IsZeroOnBoundaries()
    {
        uint[] x = [.. Boundaries, 2u, 0x4000_0000u, 0xFFFF_FFFEu, 0u];
        bool[] zero = await RunBinaryAsync(x, x, (abb, a, _) => abb.IsZeroAsync(a));
        Assert.Equal(x.Select(v => v == 0), zero);
    }

    [Fact]
    public void EqualityIsExactForRandomValues() =>
        FsCheck.Check.One(FewRuns, Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (x, flip) =>
        {
            uint[] y = x.Select((v, i) => i % 2 == 0 ? v : v ^ flip).ToArray();
            bool[] eq = RunBinaryAsync(x, y, (abb, p, q) => abb.EqualAsync(p, q), seed: x.Length).GetAwaiter().GetResult();
            return eq.SequenceEqual(x.Zip(y, (u, v) => u == v));
        }));

    // ------------------------------------------------------------------ exhaustive at 6 bits

    private const int SmallWidth = 6;
    private const uint SmallMask = (1u << SmallWidth) - 1;

    private static (uint[] X, uint[] Y) AllSmallPairs()
    {
        var x = new uint[64 * 64];
        var y = new uint[64 * 64];
        using var prg = Prg(66);
        var noise = new uint[2 * x.Length];
        prg.Fill(noise);
        for (int i = 0; i < x.Length; i++)
        {
            // High bits are noise: the 6-bit circuits must ignore them.
            x[i] = (uint)(i >> 6) | (noise[2 * i] << SmallWidth);
            y[i] = (uint)(i & 63) | (noise[(2 * i) + 1] << SmallWidth);
        }

        return (x, y);
    }

    [Theory]
    [InlineData(ComparisonMode.Unsigned)]
    [InlineData(ComparisonMode.Signed)]
    [InlineData(ComparisonMode.SignOfDifference)]
    public async Task SixBitComparatorIsExhaustivelyCorrect(ComparisonMode mode)
    {
        (uint[] x, uint[] y) = AllSmallPairs();
        bool[] lt = await RunBinaryAsync(x, y, (abb, a, b) => ObliviousToolkit.LessThanCoreAsync(
            abb, new ObliviousToolkit.Operand(a, null), new ObliviousToolkit.Operand(b, null), mode, negate: false, CancellationToken.None, SmallWidth));
        bool[] ltPublic = await RunPublicAsync(x, y, (abb, a, c) => ObliviousToolkit.LessThanCoreAsync(
            abb, new ObliviousToolkit.Operand(a, null), new ObliviousToolkit.Operand(null, c), mode, negate: false, CancellationToken.None, SmallWidth));
        for (int i = 0; i < x.Length; i++)
        {
            uint a = x[i] & SmallMask, b = y[i] & SmallMask;
            int sa = (int)(a << 26) >> 26, sb = (int)(b << 26) >> 26;
            bool? expected = mode switch
            {
                ComparisonMode.Unsigned => a < b,
                ComparisonMode.Signed => sa < sb,
                _ => Math.Abs((int)a - (int)b) < 32 ? a < b : null, // only specified for bounded differences
            };
            if (expected is bool e)
            {
                Assert.Equal(e, lt[i]);
                Assert.Equal(e, ltPublic[i]);
            }
        }
    }

    [Fact]
    public async Task SixBitCircuitsAreExhaustivelyCorrect()
    {
        (uint[] x, uint[] y) = AllSmallPairs();
        uint[] d = x.Zip(y, (a, b) => a - b).ToArray(); // every 6-bit value 64 times, with different shares
        uint[][] ds;
        using (var prg = Prg(67))
        {
            ds = Deal(d, prg);
        }

        var results = await RunAsync(async abb =>
        {
            var circuit = new BitCircuit(abb, d.Length, CancellationToken.None);
            ulong[] zero = await circuit.IsZeroAsync(ds[abb.PartyIndex], SmallWidth);
            ulong[] msb = await circuit.MostSignificantBitAsync(ds[abb.PartyIndex], SmallWidth);
            ulong[][] bits = await circuit.ToBitsAsync(ds[abb.PartyIndex], SmallWidth);
            return (zero, msb, bits);
        });
        bool[] isZero = OpenBits(results.Select(r => r.zero).ToArray(), d.Length);
        bool[] top = OpenBits(results.Select(r => r.msb).ToArray(), d.Length);
        for (int i = 0; i < d.Length; i++)
        {
            Assert.Equal((d[i] & SmallMask) == 0, isZero[i]);
            Assert.Equal(((d[i] >> (SmallWidth - 1)) & 1) == 1, top[i]);
        }

        for (int j = 0; j < SmallWidth; j++)
        {
            bool[] plane = OpenBits(results.Select(r => r.bits[j]).ToArray(), d.Length);
            for (int i = 0; i < d.Length; i++)
            {
                Assert.Equal(((d[i] >> j) & 1) == 1, plane[i]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task NarrowCircuitsAreExhaustivelyCorrect(int width)
    {
        // Every value at every width below 6, including the degenerate 1- and 2-bit circuits.
        uint mask = (1u << width) - 1;
        uint[] d = Enumerable.Range(0, 64 * 16).Select(i => (uint)i * 2654435761u).ToArray();
        uint[][] ds;
        using (var prg = Prg(68 + width))
        {
            ds = Deal(d, prg);
        }

        var results = await RunAsync(async abb =>
        {
            var circuit = new BitCircuit(abb, d.Length, CancellationToken.None);
            return (await circuit.IsZeroAsync(ds[abb.PartyIndex], width), await circuit.MostSignificantBitAsync(ds[abb.PartyIndex], width), await circuit.ToBitsAsync(ds[abb.PartyIndex], width));
        });
        bool[] isZero = OpenBits(results.Select(r => r.Item1).ToArray(), d.Length);
        bool[] top = OpenBits(results.Select(r => r.Item2).ToArray(), d.Length);
        bool[][] planes = Enumerable.Range(0, width).Select(j => OpenBits(results.Select(r => r.Item3[j]).ToArray(), d.Length)).ToArray();
        for (int i = 0; i < d.Length; i++)
        {
            Assert.Equal((d[i] & mask) == 0, isZero[i]);
            Assert.Equal(((d[i] >> (width - 1)) & 1) == 1, top[i]);
            for (int j = 0; j < width; j++)
            {
                Assert.Equal(((d[i] >> j) & 1) == 1, planes[j][i]);
            }
        }
    }
}
