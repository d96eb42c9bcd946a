using System.Numerics;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// <see cref="IArithmeticBlackBox.Random"/> and <see cref="IArithmeticBlackBox.RandomBits"/> on both engines: the
/// value is a fresh uniform secret and every party's share of it looks uniform. A user would notice the failure these
/// catch: random values that are all zero (or the same on every call) make every mask built from them public — for
/// example a <c>RandomBits</c> whose shares were never filled from the party's generator gives the sharing of 0 at
/// every party, and no correctness test sees it because 0 is a valid "random" value.
/// </summary>
/// <remarks>
/// The generators are the parties' private ones (operating-system seeds), so these tests cannot be seeded. Each
/// frequency test counts n ≥ 2^16 bits and allows |ones/n − 1/2| ≤ 0.05; by Hoeffding's inequality a correct
/// implementation fails one such check with probability at most 2·exp(−2·n·0.05²) &lt; 10^-140.
/// </remarks>
public sealed class RandomValueTests
{
    private const int Bits = (1 << 16) + 37; // a partial last word: 37 bits used, 27 padding bits

    private static double OnesFraction(ReadOnlySpan<ulong> words, int bitLength)
    {
        long ones = 0;
        foreach (ulong w in words)
        {
            ones += BitOperations.PopCount(w);
        }

        return (double)ones / bitLength;
    }

    private static double OnesFraction(ReadOnlySpan<uint> words)
    {
        long ones = 0;
        foreach (uint w in words)
        {
            ones += BitOperations.PopCount(w);
        }

        return (double)ones / (32.0 * words.Length);
    }

    private static ulong[] Xor(IEnumerable<ulong[]> parts) =>
        parts.Aggregate((x, y) => x.Zip(y, (u, v) => u ^ v).ToArray());

    [Theory]
    [MemberData(nameof(EngineTests.Engines), MemberType = typeof(EngineTests))]
    public async Task Random_bits_are_a_fresh_uniform_secret_and_every_share_looks_uniform(BlackBoxEngine engine)
    {
        var results = await EngineTests.RunAsync(engine, abb =>
        {
            BitShareVector first = abb.RandomBits(Bits), second = abb.RandomBits(Bits);
            return Task.FromResult((
                First: first.Words.ToArray(),
                FirstNext: ReplicatedBlackBox.CompanionOf(first)?.ToArray(),
                Second: second.Words.ToArray(),
                SecondNext: ReplicatedBlackBox.CompanionOf(second)?.ToArray()));
        });

        int words = PackedBits.WordCount(Bits);
        for (int p = 0; p < 3; p++)
        {
            var r = results[p];
            foreach ((string name, ulong[]? share) in new[] { ("share", r.First), ("companion", r.FirstNext), ("second share", r.Second), ("second companion", r.SecondNext) })
            {
                if (share is null)
                {
                    Assert.Equal(BlackBoxEngine.Beaver, engine); // only the replicated engine keeps a companion
                    continue;
                }

                Assert.Equal(words, share.Length);
                Assert.InRange(OnesFraction(share, Bits), 0.45, 0.55);
                Assert.True(share[^1] >> (Bits % 64) == 0, $"party {p}'s {name} has bits set past bit {Bits}: 0x{share[^1]:X16}");
            }

            // A fresh draw: the second value's share is not the first's.
            Assert.False(r.First.AsSpan().SequenceEqual(r.Second), $"party {p} drew the same shares twice");
        }

        if (engine == BlackBoxEngine.Replicated)
        {
            // Party i's companion is party i+1's share.
            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(results[(p + 1) % 3].First, results[p].FirstNext);
            }
        }

        ulong[] value = Xor(results.Select(r => r.First));
        ulong[] value2 = Xor(results.Select(r => r.Second));
        Assert.InRange(OnesFraction(value, Bits), 0.45, 0.55);
        Assert.InRange(OnesFraction(value2, Bits), 0.45, 0.55);
        Assert.False(value.AsSpan().SequenceEqual(value2), "two random bit vectors are the same");

        // The secret is independent of any one share: the XOR of value and a share is the other parties' part, and it
        // too is uniform (an engine that put the value into one share would give 0 here).
        for (int p = 0; p < 3; p++)
        {
            ulong[] rest = value.Zip(results[p].First, (u, v) => u ^ v).ToArray();
            Assert.InRange(OnesFraction(rest, Bits), 0.45, 0.55);
        }
    }

    [Theory]
    [MemberData(nameof(EngineTests.Engines), MemberType = typeof(EngineTests))]
    public async Task Random_values_are_a_fresh_uniform_secret_and_every_share_looks_uniform(BlackBoxEngine engine)
    {
        const int m = 4096; // 2^17 bits per vector
        var results = await EngineTests.RunAsync(engine, abb =>
        {
            ShareVector first = abb.Random(m), second = abb.Random(m);
            return Task.FromResult((
                First: first.Values.ToArray(),
                FirstNext: ReplicatedBlackBox.CompanionOf(first)?.ToArray(),
                Second: second.Values.ToArray()));
        });

        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(m, results[p].First.Length);
            Assert.InRange(OnesFraction(results[p].First), 0.45, 0.55);
            Assert.InRange(OnesFraction(results[p].Second), 0.45, 0.55);
            Assert.False(results[p].First.AsSpan().SequenceEqual(results[p].Second), $"party {p} drew the same shares twice");
            if (engine == BlackBoxEngine.Replicated)
            {
                Assert.Equal(results[(p + 1) % 3].First, results[p].FirstNext);
            }
            else
            {
                Assert.Null(results[p].FirstNext);
            }
        }

        uint[] value = new uint[m], value2 = new uint[m];
        for (int i = 0; i < m; i++)
        {
            value[i] = unchecked(results[0].First[i] + results[1].First[i] + results[2].First[i]);
            value2[i] = unchecked(results[0].Second[i] + results[1].Second[i] + results[2].Second[i]);
        }

        Assert.InRange(OnesFraction(value), 0.45, 0.55);
        Assert.False(value.AsSpan().SequenceEqual(value2), "two random vectors are the same");
    }

    [Theory]
    [MemberData(nameof(EngineTests.Engines), MemberType = typeof(EngineTests))]
    public async Task Shares_of_inputs_and_products_of_bits_keep_the_padding_bits_clear(BlackBoxEngine engine)
    {
        // 70 bits: the second word carries 6 bits and 58 padding bits. Padding bits set in any share would be opened
        // to the peers in the next AND (as part of d and e) and break equality with the public value's words.
        ulong[] a = [0x0123_4567_89AB_CDEFUL, 0x2A], b = [0xFEDC_BA98_7654_3210UL, 0x15];
        var results = await EngineTests.RunAsync(engine, async abb =>
        {
            BitShareVector sa = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? a : default, 70);
            BitShareVector sb = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? b : default, 70);
            BitShareVector and = await abb.AndAsync(sa, sb);
            return new[] { sa, sb, and }.Select(h => (h.Words.ToArray(), ReplicatedBlackBox.CompanionOf(h)?.ToArray())).ToArray();
        });

        for (int p = 0; p < 3; p++)
        {
            for (int k = 0; k < 3; k++)
            {
                (ulong[] words, ulong[]? next) = results[p][k];
                Assert.True(words[1] >> 6 == 0, $"party {p}, handle {k}: share padding 0x{words[1]:X16}");
                Assert.True(next is null || next[1] >> 6 == 0, $"party {p}, handle {k}: companion padding 0x{next?[1]:X16}");
            }
        }

        ulong[] Value(int k) => Xor(results.Select(r => r[k].Item1));
        Assert.Equal(a, Value(0));
        Assert.Equal(b, Value(1));
        Assert.Equal(new[] { a[0] & b[0], a[1] & b[1] }, Value(2));
    }
}
