using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

/// <summary>
/// Handles of a replicated sharing among three parties (the replicated engine's): party i holds its share x_i and, as
/// its companion, the next party's share x_{i+1}. Every local operation must keep that invariant — party i's companion
/// equals party i+1's share — and still give the right value, or the engine's next multiplication silently computes
/// garbage. Mixing a replicated handle with an additive one (no companion) gives an additive result.
/// </summary>
public sealed class ReplicatedHandleTests
{
    private static readonly Arbitrary<uint[]> Values = Properties.AnyUInts;

    [Fact]
    public void Arithmetic_operations_keep_each_companion_equal_to_the_next_partys_share() =>
        Properties.Check(Prop.ForAll(Values, Values, Properties.AnyUInt, (xs, ys, c) =>
        {
            int m = Math.Min(xs.Length, ys.Length);
            uint[] x = xs[..m], y = ys[..m], v = ys[..m].Select(u => u ^ c).ToArray();
            ShareVector[] sx = Replicate(x, 1), sy = Replicate(y, 2);
            int cut = m / 3;
            var cases = new (string Name, Func<int, ShareVector> Op, uint[] Expected)[]
            {
                ("add", p => sx[p].Add(sy[p]), x.Zip(y, (a, b) => a + b).ToArray()),
                ("subtract", p => sx[p].Subtract(sy[p]), x.Zip(y, (a, b) => a - b).ToArray()),
                ("negate", p => sx[p].Negate(), x.Select(a => 0u - a).ToArray()),
                ("multiply by c", p => sx[p].MultiplyPublic(c), x.Select(a => a * c).ToArray()),
                ("multiply by v", p => sx[p].MultiplyPublic(v), x.Zip(v, (a, b) => a * b).ToArray()),
                ("add c", p => sx[p].AddPublic(c), x.Select(a => a + c).ToArray()),
                ("add v", p => sx[p].AddPublic(v), x.Zip(v, (a, b) => a + b).ToArray()),
                ("slice", p => sx[p].Slice(cut, m - cut), x[cut..]),
                ("concat", p => ShareVector.Concat(sx[p], sy[p]), [.. x, .. y]),
                ("public", p => ShareVector.PublicReplicated(p, v), v),
            };
            foreach ((string name, Func<int, ShareVector> op, uint[] expected) in cases)
            {
                ShareVector[] r = [op(0), op(1), op(2)];
                Assert.True(r.All(s => s.HasCompanion), name);
                for (int p = 0; p < 3; p++)
                {
                    Assert.Equal(p, r[p].PartyIndex);
                    Assert.True(r[(p + 1) % 3].Values.SequenceEqual(r[p].Next!), $"{name}: party {p}'s companion is not party {(p + 1) % 3}'s share");
                }

                Assert.True(Sum(r).SequenceEqual(expected), name);
            }
        }));

    [Fact]
    public void Bit_operations_keep_each_companion_equal_to_the_next_partys_share()
    {
        using var prg = new AesCtrPrg(Enumerable.Range(40, 16).Select(i => (byte)i).ToArray());
        foreach (int bits in new[] { 0, 1, 63, 64, 65, 200 })
        {
            int words = (bits + 63) / 64;
            ulong[] x = Random(prg, words, bits), y = Random(prg, words, bits), mask = Random(prg, words, bits);
            BitShareVector[] sx = Replicate(prg, x, bits), sy = Replicate(prg, y, bits);
            int cut = bits / 3;
            ulong[] all = Random(prg, words, bits);
            var cases = new (string Name, Func<int, BitShareVector> Op, ulong[] Expected, int Bits)[]
            {
                ("xor", p => sx[p].Xor(sy[p]), x.Zip(y, (a, b) => a ^ b).ToArray(), bits),
                ("and mask", p => sx[p].AndPublic(mask), x.Zip(mask, (a, b) => a & b).ToArray(), bits),
                ("xor public", p => sx[p].XorPublic(mask), x.Zip(mask, (a, b) => a ^ b).ToArray(), bits),
                ("not", p => sx[p].Not(), Clear(x.Select(a => ~a).ToArray(), bits), bits),
                ("slice", p => sx[p].Slice(cut, bits - cut), Bits(x, cut, bits - cut), bits - cut),
                ("concat", p => BitShareVector.Concat(sx[p], sy[p]), Join(x, bits, y, bits), 2 * bits),
                ("public", p => BitShareVector.PublicReplicated(p, bits, all), all, bits),
            };
            foreach ((string name, Func<int, BitShareVector> op, ulong[] expected, int length) in cases)
            {
                BitShareVector[] r = [op(0), op(1), op(2)];
                Assert.All(r, s => Assert.True(s.HasCompanion, name));
                Assert.All(r, s => Assert.Equal(length, s.BitLength));
                for (int p = 0; p < 3; p++)
                {
                    Assert.Equal(r[(p + 1) % 3].Words.ToArray(), r[p].Next!);
                }

                Assert.Equal(expected, Xor(r));
            }

            // Public bits with set padding past the length: party 0's share and party 2's companion (the same share)
            // are both cleared past the length, so the companions still match.
            ulong[] dirty = (ulong[])mask.Clone();
            if (bits % 64 != 0)
            {
                dirty[^1] |= ~0UL << (bits % 64);
            }

            BitShareVector[] flipped = [sx[0].XorPublic(dirty), sx[1].XorPublic(dirty), sx[2].XorPublic(dirty)];
            Assert.Equal(flipped[0].Words.ToArray(), flipped[2].Next!);
            Assert.Equal(x.Zip(mask, (a, b) => a ^ b).ToArray(), Xor(flipped));
        }
    }

    [Fact]
    public void Mixing_a_replicated_handle_with_an_additive_one_gives_an_additive_result_with_the_right_value()
    {
        uint[] x = [1, 2, 3], y = [10, 20, 30];
        ShareVector[] sx = Replicate(x, 3);
        ShareVector[] sy = [ShareVector.Own(0, [4, 5, 6]), ShareVector.Own(1, [6, 15, 24]), ShareVector.Own(2, [0, 0, 0])];
        foreach (Func<int, ShareVector> op in new Func<int, ShareVector>[] { p => sx[p].Add(sy[p]), p => sy[p].Add(sx[p]), p => sx[p].Subtract(sy[p]) })
        {
            ShareVector[] r = [op(0), op(1), op(2)];
            Assert.All(r, s => Assert.False(s.HasCompanion));
        }

        Assert.Equal([11u, 22, 33], Sum([sx[0].Add(sy[0]), sx[1].Add(sy[1]), sx[2].Add(sy[2])]));
        ShareVector mixed = ShareVector.Concat(sx[0], sy[0]);
        Assert.False(mixed.HasCompanion);
        Assert.Equal([.. sx[0].Values.ToArray(), 4u, 5, 6], mixed.Values.ToArray());

        BitShareVector rb = BitShareVector.Own(1, 64, [5UL], [9UL]), ab = BitShareVector.Own(1, 64, [3UL]);
        Assert.False(rb.Xor(ab).HasCompanion);
        Assert.False(ab.Xor(rb).HasCompanion);
        Assert.False(BitShareVector.Concat(rb, ab).HasCompanion);
        Assert.Equal([6UL], rb.Xor(ab).Words.ToArray());
    }

    [Fact]
    public void A_companion_of_another_length_is_refused_by_name()
    {
        Assert.Equal("next", Assert.Throws<ArgumentException>(() => ShareVector.Own(0, new uint[3], new uint[2])).ParamName);
        Assert.Equal("next", Assert.Throws<ArgumentException>(() => BitShareVector.Own(0, 128, new ulong[2], new ulong[1])).ParamName);
        Assert.True(ShareVector.Own(0, new uint[3], new uint[3]).HasCompanion);
        Assert.False(ShareVector.Own(0, new uint[3], null).HasCompanion);
    }

    private static ShareVector[] Replicate(uint[] x, byte seed)
    {
        using var prg = new AesCtrPrg(Enumerable.Repeat(seed, 16).ToArray());
        uint[] s0 = new uint[x.Length], s1 = new uint[x.Length];
        prg.Fill(s0);
        prg.Fill(s1);
        uint[] s2 = x.Select((v, i) => v - s0[i] - s1[i]).ToArray();
        uint[][] s = [s0, s1, s2];
        return [.. Enumerable.Range(0, 3).Select(p => ShareVector.Own(p, (uint[])s[p].Clone(), (uint[])s[(p + 1) % 3].Clone()))];
    }

    private static BitShareVector[] Replicate(AesCtrPrg prg, ulong[] x, int bits)
    {
        ulong[] s0 = Random(prg, x.Length, bits), s1 = Random(prg, x.Length, bits);
        ulong[] s2 = x.Select((v, i) => v ^ s0[i] ^ s1[i]).ToArray();
        ulong[][] s = [s0, s1, s2];
        return [.. Enumerable.Range(0, 3).Select(p => BitShareVector.Own(p, bits, (ulong[])s[p].Clone(), (ulong[])s[(p + 1) % 3].Clone()))];
    }

    private static ulong[] Random(AesCtrPrg prg, int words, int bits)
    {
        var w = new ulong[words];
        prg.Fill(w);
        return Clear(w, bits);
    }

    private static ulong[] Clear(ulong[] w, int bits)
    {
        if (bits % 64 != 0)
        {
            w[^1] &= (1UL << (bits % 64)) - 1;
        }

        return w;
    }

    private static ulong[] Bits(ulong[] w, int start, int length)
    {
        var r = new ulong[(length + 63) / 64];
        for (int i = 0; i < length; i++)
        {
            r[i / 64] |= ((w[(start + i) / 64] >> ((start + i) % 64)) & 1UL) << (i % 64);
        }

        return r;
    }

    private static ulong[] Join(ulong[] a, int aBits, ulong[] b, int bBits)
    {
        var r = new ulong[(aBits + bBits + 63) / 64];
        for (int i = 0; i < aBits + bBits; i++)
        {
            ulong bit = i < aBits ? (a[i / 64] >> (i % 64)) & 1UL : (b[(i - aBits) / 64] >> ((i - aBits) % 64)) & 1UL;
            r[i / 64] |= bit << (i % 64);
        }

        return r;
    }

    private static uint[] Sum(ShareVector[] r) => [.. Enumerable.Range(0, r[0].Length).Select(i => r[0].Values[i] + r[1].Values[i] + r[2].Values[i])];

    private static ulong[] Xor(BitShareVector[] r) => [.. Enumerable.Range(0, r[0].Words.Length).Select(i => r[0].Words[i] ^ r[1].Words[i] ^ r[2].Words[i])];
}
