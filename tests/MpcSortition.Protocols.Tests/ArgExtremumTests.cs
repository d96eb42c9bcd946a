using MpcSortition.Core;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;
using static MpcSortition.Protocols.Tests.ComparisonHarness;

namespace MpcSortition.Protocols.Tests;

public class ArgExtremumTests
{
    private static async Task<uint[]> RunAsync(uint[] values, int groupLength, ComparisonMode mode, bool max)
    {
        uint[][] shares;
        using (var prg = Prg(values.Length + groupLength))
        {
            shares = Deal(values, prg);
        }

        uint[][] results = await ComparisonHarness.RunAsync(async abb =>
        {
            ShareVector v = abb.FromShares(shares[abb.PartyIndex]);
            ShareVector r = max ? await abb.ArgMaxAsync(v, groupLength, mode) : await abb.ArgMinAsync(v, groupLength, mode);
            return r.Values.ToArray();
        });
        return OpenValues(results);
    }

    private static int Expected(ReadOnlySpan<uint> group, ComparisonMode mode, bool max)
    {
        int best = 0;
        for (int i = 1; i < group.Length; i++)
        {
            long a = mode == ComparisonMode.Signed ? (int)group[i] : group[i];
            long b = mode == ComparisonMode.Signed ? (int)group[best] : group[best];
            if (max ? a > b : a < b)
            {
                best = i; // strict: ties keep the lowest index
            }
        }

        return best;
    }

    [Theory]
    [InlineData(1, 5, ComparisonMode.Unsigned)]
    [InlineData(2, 9, ComparisonMode.Unsigned)]
    [InlineData(3, 7, ComparisonMode.Signed)]
    [InlineData(7, 4, ComparisonMode.Unsigned)]
    [InlineData(30, 3, ComparisonMode.Unsigned)]
    [InlineData(30, 2, ComparisonMode.Signed)]
    [InlineData(17, 3, ComparisonMode.SignOfDifference)]
    public async Task OneHotOfTheFirstExtremumInEveryGroup(int groupLength, int groups, ComparisonMode mode)
    {
        var values = new uint[groupLength * groups];
        using (var prg = Prg(500 + groupLength))
        {
            prg.Fill(values);
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] = mode == ComparisonMode.SignOfDifference
                ? values[i] % 4 * 0x1000_0000u // < 2^31 apart, with ties
                : (i % 3) switch
                {
                    0 => Boundaries[(int)(values[i] % (uint)Boundaries.Length)], // many ties at the extremes
                    1 => values[i] % 4,
                    _ => values[i],
                };
        }

        foreach (bool max in new[] { true, false })
        {
            uint[] oneHot = await RunAsync(values, groupLength, mode, max);
            for (int g = 0; g < groups; g++)
            {
                int winner = Expected(values.AsSpan(g * groupLength, groupLength), mode, max);
                for (int i = 0; i < groupLength; i++)
                {
                    Assert.Equal(i == winner ? 1u : 0u, oneHot[(g * groupLength) + i]);
                }
            }
        }
    }

    [Fact]
    public void ArgMaxMatchesPlaintextForRandomGroups() =>
        FsCheck.Check.One(Properties.Config.WithMaxTest(15), Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (raw, shape) =>
        {
            int len = (int)(shape % 9) + 1;
            bool narrow = (shape & 0x100) != 0; // small values: many ties
            uint[] values = raw.Take(raw.Length / len * len).Select(v => narrow ? v % 3 : v).ToArray();
            uint[] oneHot = RunAsync(values, len, ComparisonMode.Unsigned, max: true).GetAwaiter().GetResult();
            for (int g = 0; g < values.Length / len; g++)
            {
                int winner = Expected(values.AsSpan(g * len, len), ComparisonMode.Unsigned, max: true);
                for (int i = 0; i < len; i++)
                {
                    if (oneHot[(g * len) + i] != (i == winner ? 1u : 0u))
                    {
                        return false;
                    }
                }
            }

            return oneHot.Length == values.Length;
        }));

    [Fact]
    public async Task AllEqualValuesPickTheFirst()
    {
        uint[] oneHot = await RunAsync(Enumerable.Repeat(0xFFFF_FFFFu, 12).ToArray(), 6, ComparisonMode.Unsigned, max: true);
        Assert.Equal(new uint[] { 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, oneHot);
    }

    [Fact]
    public async Task EmptyInputGivesEmptyOutput()
    {
        uint[] oneHot = await RunAsync([], 4, ComparisonMode.Unsigned, max: true);
        Assert.Empty(oneHot);
    }

    [Fact]
    public async Task BadGroupLengthsAreRejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RunAsync(new uint[4], 0, ComparisonMode.Unsigned, max: true));
        await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(new uint[5], 2, ComparisonMode.Unsigned, max: true));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RunAsync(new uint[4], 2, (ComparisonMode)7, max: true));
    }
}
