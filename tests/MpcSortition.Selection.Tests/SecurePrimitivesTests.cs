using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Selection.Tests;

/// <summary>The two primitives the secure selector added to Protocols (SelectionPrimitives), against plaintext.</summary>
public sealed class SecurePrimitivesTests
{
    private static uint[] Open(uint[][] shares)
    {
        var r = new uint[shares[0].Length];
        foreach (uint[] s in shares)
        {
            Ring32.Add(r, s, r);
        }

        return r;
    }

    private static async Task<(uint[] Result, long Rounds)> ShiftAsync(uint[] values, int shift)
    {
        ShareVector[] shares = AdditiveSharing.Split(values, 3);
        (uint[] Shares, long Rounds, AuditEntry[] Audit)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            ShareVector x = abb.FromShares(shares[abb.PartyIndex].Values);
            long start = abb.Trace.Rounds;
            ShareVector y = await abb.ShiftRightAsync(x, shift);
            return (y.Values.ToArray(), abb.Trace.Rounds - start, abb.Audit.Entries.ToArray());
        });
        Assert.All(runs, r => Assert.All(r.Audit, e => Assert.Contains(e.Label, new[] { SemiHonestBlackBox.BeaverOpenLabel, SemiHonestBlackBox.AndOpenLabel })));
        return (Open(runs.Select(r => r.Shares).ToArray()), runs[0].Rounds);
    }

    [Fact]
    public void ShiftRightIsExactFloorDivisionOverTheWholeUnsignedRange()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20), Prop.ForAll(Properties.AnyUInts, Arb.From(Gen.Choose(0, 31)), (values, shift) =>
        {
            uint[] input = [.. values, 0u, 1u, 0x7FFF_FFFFu, 0x8000_0000u, 0xFFFF_FFFFu];
            (uint[] result, long rounds) = Task.Run(() => ShiftAsync(input, shift)).GetAwaiter().GetResult();
            return result.SequenceEqual(input.Select(v => v >> shift)) && rounds == (shift == 0 ? 0 : 9);
        }));
    }

    [Fact]
    public async Task AndAllIsTheConjunctionOfEveryTermWithLogarithmicRounds()
    {
        foreach (int terms in new[] { 0, 1, 2, 3, 5, 8 })
        {
            const int bits = 70;
            using var prg = new AesCtrPrg(new byte[16] { 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)terms });
            var plain = new ulong[terms][];
            for (int t = 0; t < terms; t++)
            {
                plain[t] = new ulong[2];
                prg.Fill(plain[t]);

                // Bias towards ones so that the conjunction is not always 0.
                ulong[] more = new ulong[2];
                prg.Fill(more);
                plain[t][0] |= more[0];
                plain[t][1] |= more[1];
                plain[t][1] &= (1UL << (bits - 64)) - 1;
            }

            (ulong[] Shares, long Rounds)[] runs = await InProcessParties.RunAsync(async abb =>
            {
                var shared = new List<BitShareVector>();
                for (int t = 0; t < terms; t++)
                {
                    shared.Add(await abb.InputBitsAsync(t % 3, plain[t], bits));
                }

                long start = abb.Trace.Rounds;
                BitShareVector all = await abb.AndAllAsync(shared, bits);
                return (all.Words.ToArray(), abb.Trace.Rounds - start);
            });
            var expected = new ulong[] { ulong.MaxValue, (1UL << (bits - 64)) - 1 };
            foreach (ulong[] p in plain)
            {
                expected[0] &= p[0];
                expected[1] &= p[1];
            }

            ulong[] opened = [runs[0].Shares[0] ^ runs[1].Shares[0] ^ runs[2].Shares[0], runs[0].Shares[1] ^ runs[1].Shares[1] ^ runs[2].Shares[1]];
            Assert.Equal(expected, opened);
            Assert.Equal(terms <= 1 ? 0 : (long)Math.Ceiling(Math.Log2(terms)), runs[0].Rounds);
        }
    }

    [Fact]
    public async Task TheDrawIsExactlyTheReferenceMultiplyShift()
    {
        // Words and counts chosen to hit the carry chain of the draw: limbs 0, 0xFFFF, 0x8000, 0x7FFF and random ones,
        // counts 0, 1, 2, 2^14, 2^15 − 1 and random ones (e.g. U = 2^64 − 1, c = 2^15 − 1 makes every digit 2^16 − 1).
        using var prg = new AesCtrPrg(new byte[16] { 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        ushort[] limbs = [0, 0xFFFF, 0x8000, 0x7FFF, 1];
        int[] counts = [0, 1, 2, 3, 1 << 14, (1 << 15) - 1, (1 << 15) - 2];
        var cases = new List<(ulong Word, int Count)>();
        for (int i = 0; i < 160; i++)
        {
            ulong word = 0;
            for (int l = 0; l < 4; l++)
            {
                uint pick = prg.NextUInt32();
                ulong limb = pick % 3 == 0 ? (pick >> 8) & 0xFFFF : limbs[(pick >> 2) % (uint)limbs.Length];
                word |= limb << (16 * l);
            }

            uint c = prg.NextUInt32();
            cases.Add((word, c % 2 == 0 ? counts[(c >> 1) % (uint)counts.Length] : (int)((c >> 1) % (1 << 15))));
        }

        cases.Add((ulong.MaxValue, (1 << 15) - 1));
        cases.Add((ulong.MaxValue, 1));
        cases.Add((0, (1 << 15) - 1));
        uint[][] results = await InProcessParties.RunAsync(async abb =>
        {
            var r = new uint[cases.Count];
            for (int i = 0; i < cases.Count; i++)
            {
                ShareVector bits = await abb.ToArithmeticAsync(abb.PublicBits([cases[i].Word], 64));
                ShareVector count = abb.Public([(uint)cases[i].Count]);
                r[i] = (await SecureGreedyEngine.UniformDrawAsync(abb, bits, count, default)).Values[0];
            }

            return r;
        });
        for (int i = 0; i < cases.Count; i++)
        {
            uint opened = results[0][i] + results[1][i] + results[2][i];
            ulong expected = Math.BigMul(cases[i].Word, (ulong)cases[i].Count, out _);
            Assert.True(expected == opened, $"word {cases[i].Word:x16}, count {cases[i].Count}: expected {expected}, got {opened}");
        }
    }

    [Fact]
    public async Task AndAllRejectsTermsOfTheWrongLength()
    {
        string[] messages = await InProcessParties.RunAsync(abb =>
            Task.FromResult(Assert.Throws<ArgumentException>(() => abb.AndAllAsync([abb.RandomBits(3), abb.RandomBits(4)], 3).AsTask().GetAwaiter().GetResult()).Message));
        Assert.All(messages, m => Assert.Contains("3 bits", m, StringComparison.Ordinal));
    }
}
