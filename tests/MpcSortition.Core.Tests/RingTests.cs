using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

public class RingTests
{
    /// <summary>Lengths around the vector widths (Vector128/256/512 of uint: 4, 8, 16) and a large one.</summary>
    public static TheoryData<int> EdgeLengths()
    {
        int w = Vector<uint>.Count;
        var lengths = new SortedSet<int> { 0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, w - 1, w, w + 1, 2 * w + 1, 1000, (1 << 17) + 3 };
        var data = new TheoryData<int>();
        foreach (int n in lengths)
        {
            data.Add(n);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void SimdKernelsEqualScalarLoops(int n)
    {
        using var prg = new AesCtrPrg(new byte[16]);
        var x = new uint[n];
        var y = new uint[n];
        prg.Fill(x);
        prg.Fill(y);
        uint c = prg.NextUInt32();
        var d = new uint[n];

        Ring32.Add(x, y, d);
        Assert.Equal(Scalar(x, y, (a, b) => a + b), d);
        Ring32.Subtract(x, y, d);
        Assert.Equal(Scalar(x, y, (a, b) => a - b), d);
        Ring32.Multiply(x, y, d);
        Assert.Equal(Scalar(x, y, (a, b) => a * b), d);
        Ring32.Add(x, c, d);
        Assert.Equal(Scalar(x, x, (a, _) => a + c), d);
        Ring32.Multiply(x, c, d);
        Assert.Equal(Scalar(x, x, (a, _) => a * c), d);
        Ring32.Negate(x, d);
        Assert.Equal(Scalar(x, x, (a, _) => 0u - a), d);

        uint sum = 0;
        foreach (uint v in x)
        {
            sum += v;
        }

        Assert.Equal(sum, Ring32.Sum(x));
    }

    [Theory]
    [MemberData(nameof(EdgeLengths))]
    public void InPlaceAliasGivesTheSameResult(int n)
    {
        using var prg = new AesCtrPrg(new byte[16]);
        var x = new uint[n];
        var y = new uint[n];
        prg.Fill(x);
        prg.Fill(y);
        var expected = Scalar(x, y, (a, b) => a - b);
        Ring32.Subtract(x, y, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void WrapsAroundModulo2To32()
    {
        var d = new uint[4];
        Ring32.Add([uint.MaxValue, 0x8000_0000u, 1, 0], [1, 0x8000_0000u, uint.MaxValue, 0], d);
        Assert.Equal([0u, 0u, 0u, 0u], d);
        Ring32.Subtract([0, 1, 5, 0x8000_0000u], [1, 2, 5, 1], d);
        Assert.Equal([uint.MaxValue, uint.MaxValue, 0u, 0x7FFF_FFFFu], d);
        Ring32.Multiply([0x1_0000u, 3, uint.MaxValue, 0x8000_0000u], [0x1_0000u, 0x5555_5556u, uint.MaxValue, 2], d);
        Assert.Equal([0u, 2u, 1u, 0u], d);
        Ring32.Negate([0, 1, 0x8000_0000u, uint.MaxValue], d);
        Assert.Equal([0u, uint.MaxValue, 0x8000_0000u, 1u], d);
    }

    [Fact]
    public void RingLaws() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (x, c) =>
        {
            var y = Rotate(x);
            var z = Rotate(y);
            int n = x.Length;
            var xy = new uint[n];
            var yx = new uint[n];
            var left = new uint[n];
            var right = new uint[n];
            var tmp = new uint[n];

            // commutativity of + and ·
            Ring32.Add(x, y, xy);
            Ring32.Add(y, x, yx);
            bool ok = xy.AsSpan().SequenceEqual(yx);
            Ring32.Multiply(x, y, xy);
            Ring32.Multiply(y, x, yx);
            ok &= xy.AsSpan().SequenceEqual(yx);

            // associativity of +: (x + y) + z = x + (y + z)
            Ring32.Add(x, y, left);
            Ring32.Add(left, z, left);
            Ring32.Add(y, z, right);
            Ring32.Add(x, right, right);
            ok &= left.AsSpan().SequenceEqual(right);

            // distributivity: c·(x + y) = c·x + c·y
            Ring32.Add(x, y, left);
            Ring32.Multiply(left, c, left);
            Ring32.Multiply(x, c, right);
            Ring32.Multiply(y, c, tmp);
            Ring32.Add(right, tmp, right);
            ok &= left.AsSpan().SequenceEqual(right);

            // x − y + y = x and x + (−x) = 0
            Ring32.Subtract(x, y, left);
            Ring32.Add(left, y, left);
            ok &= left.AsSpan().SequenceEqual(x);
            Ring32.Negate(x, left);
            Ring32.Add(left, x, left);
            ok &= left.AsSpan().IndexOfAnyExcept(0u) < 0;
            return ok;
        }));

    [Fact]
    public void WrongLengthsThrowNamingTheParameter()
    {
        var four = new uint[4];
        var three = new uint[3];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ring32.Add(four, three, new uint[4])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Add(four, four, new uint[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Add(four, four, new uint[5])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ring32.Subtract(four, three, new uint[4])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ring32.Multiply(four, three, new uint[4])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Multiply(four, 3u, three)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Add(four, 3u, three)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Negate(four, three)).ParamName);
    }

    [Fact]
    public void PartiallyOverlappingDestinationThrows()
    {
        var buffer = new uint[10];
        var other = new uint[8];
        var e = Assert.Throws<ArgumentException>(() => Ring32.Add(buffer.AsSpan(0, 8), other, buffer.AsSpan(1, 8)));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("overlap", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Add(other, buffer.AsSpan(2, 8), buffer.AsSpan(0, 8))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Negate(buffer.AsSpan(0, 8), buffer.AsSpan(2, 8))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Ring32.Multiply(buffer.AsSpan(0, 8), 3u, buffer.AsSpan(1, 8))).ParamName);
    }

    private static uint[] Rotate(uint[] x) => x.Length == 0 ? x : [.. x[1..], x[0] ^ 0x5A5A5A5Au];

    private static uint[] Scalar(uint[] x, uint[] y, Func<uint, uint, uint> op)
    {
        var r = new uint[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = op(x[i], y[i]);
        }

        return r;
    }
}
