using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The replicated engine's local kernels at every vector width (512 and 256 bits, and none), so that the paths this
/// machine does not take by default are checked too: each against the plain scalar formula.
/// </summary>
public sealed class ReplicatedKernelTests
{
    public static TheoryData<int> Widths => new(512, 256, 0);

    private static uint[] Slice(uint[] raw, int start, int n) => Enumerable.Range(0, n).Select(i => raw.Length == 0 ? (uint)(i * 2654435761u) : raw[(start + i) % raw.Length] ^ (uint)(start * 31)).ToArray();

    [Theory]
    [MemberData(nameof(Widths))]
    public void Ring_cross_terms_and_dot_match_the_formula(int width) =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (raw, form) =>
        {
            int n = (int)(form % 150);
            uint[] x = Slice(raw, 0, n), xn = Slice(raw, 1, n), y = Slice(raw, 2, n), yn = Slice(raw, 3, n), acc = Slice(raw, 4, n);
            uint[] expected = acc.Select((a, i) => a + (x[i] * (y[i] + yn[i])) + (xn[i] * y[i])).ToArray();
            uint dot = 0;
            for (int i = 0; i < n; i++)
            {
                dot += (x[i] * (y[i] + yn[i])) + (xn[i] * y[i]);
            }

            ReplicatedBlackBox.CrossAccumulateRing(x, xn, y, yn, acc, width);
            return acc.SequenceEqual(expected) && ReplicatedBlackBox.CrossDot(x, xn, y, yn, width) == dot;
        }));

    [Theory]
    [MemberData(nameof(Widths))]
    public void Bit_cross_terms_match_the_formula(int width) =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (raw, form) =>
        {
            int n = (int)(form % 40);
            ulong[] W(int k) => Slice(raw, k, 2 * n).Chunk(2).Select(p => ((ulong)p[0] << 32) | p[1]).ToArray();
            ulong[] x = W(0), xn = W(1), y = W(2), yn = W(3), acc = W(4);
            ulong[] expected = acc.Select((a, i) => a ^ (x[i] & (y[i] ^ yn[i])) ^ (xn[i] & y[i])).ToArray();
            ReplicatedBlackBox.CrossAccumulateBits(x, xn, y, yn, acc, width);
            return acc.SequenceEqual(expected);
        }));

    [Theory]
    [MemberData(nameof(Widths))]
    public void Transpose64_matches_the_definition_at_every_width(int width)
    {
        using var prg = ComparisonHarness.Prg(width + 3);
        var a = new ulong[64];
        prg.Fill(a);
        var original = (ulong[])a.Clone();
        BitSlicing.Transpose64(a, width);
        for (int r = 0; r < 64; r++)
        {
            for (int c = 0; c < 64; c++)
            {
                Assert.Equal((original[c] >> r) & 1, (a[r] >> c) & 1);
            }
        }

        Assert.Throws<ArgumentException>(() => BitSlicing.Transpose64(new ulong[63], width));
    }
}
