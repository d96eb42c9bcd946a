using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

public sealed class BlackBoxTests
{
    [Fact]
    public void Linear_operations_match_plaintext()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInt, (values, c) =>
        {
            int m = values.Length / 2;
            uint[] x = values[..m], y = values[m..(2 * m)];
            uint[][] opened = Parties.RunInMemoryAsync(async abb =>
            {
                ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, m);
                ShareVector sy = await abb.InputAsync(2, abb.PartyIndex == 2 ? y : default, m);
                ShareVector all = abb.Concat(
                    abb.Add(sx, sy),
                    abb.Subtract(sx, sy),
                    abb.Negate(sx),
                    abb.AddPublic(sx, c),
                    abb.AddPublic(sx, y),
                    abb.MultiplyPublic(sx, c),
                    abb.MultiplyPublic(sx, y),
                    abb.Public(y),
                    abb.Slice(abb.Concat(sx, sy), m, m));
                return await abb.OpenAsync(all, "test: linear results");
            }).GetAwaiter().GetResult();
            uint[] expected =
            [
                .. x.Zip(y, (a, b) => unchecked(a + b)),
                .. x.Zip(y, (a, b) => unchecked(a - b)),
                .. x.Select(a => unchecked(0u - a)),
                .. x.Select(a => unchecked(a + c)),
                .. x.Zip(y, (a, b) => unchecked(a + b)),
                .. x.Select(a => unchecked(a * c)),
                .. x.Zip(y, (a, b) => unchecked(a * b)),
                .. y,
                .. y,
            ];
            return opened.All(o => o.SequenceEqual(expected));
        }));
    }

    [Fact]
    public async Task OpenTo_reveals_only_to_the_recipient_and_is_audited_everywhere()
    {
        uint[] secret = [1, 2, 3, uint.MaxValue];
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector s = await abb.InputAsync(0, abb.PartyIndex == 0 ? secret : default, secret.Length);
            uint[]? r = await abb.OpenToAsync(s, 2, "panel to analyser");
            return (r, abb.Audit.Entries);
        });
        Assert.Null(results[0].r);
        Assert.Null(results[1].r);
        Assert.Equal(secret, results[2].r);
        Assert.All(results, x =>
        {
            AuditEntry e = Assert.Single(x.Entries);
            Assert.Equal("panel to analyser", e.Label);
            Assert.Equal(2, e.Recipient);
            Assert.Equal(secret.Length, e.Length);
        });
    }

    [Fact]
    public async Task Contributor_shares_and_random_values_reconstruct()
    {
        using var prg = new AesCtrPrg(new byte[16]);
        uint[] secret = new uint[50];
        prg.Fill(secret);
        ShareVector[] contributed = AdditiveSharing.Split(secret, 3);
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector s = abb.FromShares(contributed[abb.PartyIndex].Values);
            ShareVector r = abb.Random(1000);
            uint[] opened = await abb.OpenAsync(s, "test: contributed");
            uint[] random = await abb.OpenAsync(r, "test: random");
            return (opened, random, own: r.Values.ToArray());
        });
        Assert.All(results, r => Assert.Equal(secret, r.opened));
        Assert.True(results[0].random.Distinct().Count() > 990, "random values should be spread over the ring");
        Assert.NotEqual(results[0].own, results[0].random);
    }

    [Fact]
    public async Task Input_needs_no_communication_and_shares_look_random()
    {
        uint[] secret = Enumerable.Repeat(7u, 200).ToArray();
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            long before = abb.Trace.BytesSent;
            ShareVector s = await abb.InputAsync(1, abb.PartyIndex == 1 ? secret : default, secret.Length);
            return (sent: abb.Trace.BytesSent - before, shares: s.Values.ToArray(), opened: await abb.OpenAsync(s, "test: input"));
        });
        Assert.All(results, r => Assert.Equal(0, r.sent));
        Assert.All(results, r => Assert.Equal(secret, r.opened));
        Assert.All(results, r => Assert.True(r.shares.Distinct().Count() > 190, "a share of a constant vector should look random"));
    }

    [Fact]
    public void And_xor_not_and_public_match_plaintext()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInts, values =>
        {
            int bits = values.Length * 9 % 700;
            int words = PackedBits.WordCount(bits);
            ulong[] Make(int salt)
            {
                var w = new ulong[words];
                for (int i = 0; i < words; i++)
                {
                    w[i] = ((ulong)(values.Length > 0 ? values[(i + salt) % values.Length] : 0) << 32) ^ (ulong)(i * 0x9E3779B9u) ^ (ulong)salt;
                }

                if (bits % 64 != 0)
                {
                    w[^1] &= (1UL << (bits % 64)) - 1;
                }

                return w;
            }

            ulong[] x = Make(1), y = Make(2), mask = Make(3);
            ulong[][] opened = Parties.RunInMemoryAsync(async abb =>
            {
                BitShareVector sx = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? x : default, bits);
                BitShareVector sy = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? y : default, bits);
                BitShareVector and = await abb.AndAsync(sx, sy);
                BitShareVector all = abb.ConcatBits(and, abb.Xor(sx, sy), abb.Not(sx), abb.AndPublic(sx, mask), abb.XorPublic(sx, mask), abb.PublicBits(y, bits));
                return await abb.OpenBitsAsync(all, "test: boolean results");
            }).GetAwaiter().GetResult();
            ulong[] expected = Concat(bits,
                x.Zip(y, (a, b) => a & b).ToArray(),
                x.Zip(y, (a, b) => a ^ b).ToArray(),
                Not(x, bits),
                x.Zip(mask, (a, b) => a & b).ToArray(),
                x.Zip(mask, (a, b) => a ^ b).ToArray(),
                y);
            return opened.All(o => o.SequenceEqual(expected));
        }));
    }

    [Fact]
    public async Task SliceBits_and_ConcatBits_work_at_any_bit_offset()
    {
        ulong[] x = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x0F0F];
        const int bits = 140;
        ulong[][] results = await Parties.RunInMemoryAsync(async abb =>
        {
            BitShareVector s = abb.FromBitShares(abb.PartyIndex == 0 ? x : new ulong[3], bits);
            BitShareVector rebuilt = abb.ConcatBits(abb.SliceBits(s, 0, 3), abb.SliceBits(s, 3, 70), abb.SliceBits(s, 73, 67));
            return await abb.OpenBitsAsync(rebuilt, "test: rebuilt");
        });
        ulong[] expected = [x[0], x[1], x[2] & ((1UL << 12) - 1)];
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public async Task And_opens_only_masked_values()
    {
        var audits = await Parties.RunInMemoryAsync(async abb =>
        {
            _ = await abb.AndAsync(abb.RandomBits(130), abb.RandomBits(130));
            return abb.Audit.Entries;
        });
        Assert.All(audits, a =>
        {
            AuditEntry e = Assert.Single(a);
            Assert.Equal(SemiHonestBlackBox.AndOpenLabel, e.Label);
            Assert.Equal(ShareDomain.Boolean, e.Domain);
            Assert.Equal(260, e.Length);
        });
    }

    [Fact]
    public async Task Bad_arguments_fail_before_anything_is_sent()
    {
        var results = await Parties.RunInMemoryAsync(abb =>
        {
            var errors = new List<Exception>
            {
                Record(() => abb.Add(abb.Random(3), abb.Random(4))),
                Record(() => abb.MultiplyAsync(abb.Random(3), abb.Random(2)).AsTask().GetAwaiter().GetResult()),
                Record(() => abb.OpenAsync(abb.Random(1), " ").AsTask().GetAwaiter().GetResult()),
                Record(() => abb.InputAsync(abb.PartyIndex, new uint[2], 3).AsTask().GetAwaiter().GetResult()),
                Record(() => abb.OpenToAsync(abb.Random(1), 3, "x").AsTask().GetAwaiter().GetResult()),
                Record(() => abb.Slice(abb.Random(3), 2, 2)),
                Record(() => abb.FromBitShares(new ulong[1], 65)),
            };
            return Task.FromResult((errors, abb.Trace.Rounds, abb.Audit.Count));
        });
        Assert.All(results, r =>
        {
            Assert.All(r.errors, e => Assert.IsAssignableFrom<ArgumentException>(e));
            Assert.Equal(0, r.Count);
            Assert.Equal(0, r.Rounds);
        });
    }

    [Fact]
    public async Task Overlapping_interactive_operations_are_refused()
    {
        var tried = new TaskCompletionSource();
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector x = abb.Random(10);
            if (abb.PartyIndex != 0)
            {
                await tried.Task; // the peers join only after party 0 has tried to overlap
                await abb.MultiplyAsync(x, x);
                return null;
            }

            // Party 0's multiplication cannot finish before the peers send, so it is still running.
            Task<ShareVector> first = abb.MultiplyAsync(x, x).AsTask();
            Exception? second = null;
            try
            {
                await abb.OpenAsync(x, "test: overlapping");
            }
            catch (InvalidOperationException e)
            {
                second = e;
            }

            tried.SetResult();
            await first;
            return second;
        });

        Assert.NotNull(results[0]);
        Assert.Contains("still running", results[0]!.Message);
    }

    [Fact]
    public async Task Handles_never_show_shares()
    {
        var text = await Parties.RunInMemoryAsync(abb => Task.FromResult(abb.Public([123456789u]).ToString() + abb.RandomBits(5) + abb));
        Assert.All(text, t => Assert.DoesNotContain("123456789", t));
        Assert.Contains("ShareVector(party 0, length 1)", text[0]);
    }

    private static Exception Record(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        return new InvalidOperationException("no exception");
    }

    private static ulong[] Not(ulong[] x, int bits)
    {
        ulong[] r = x.Select(w => ~w).ToArray();
        if (bits % 64 != 0 && r.Length > 0)
        {
            r[^1] &= (1UL << (bits % 64)) - 1;
        }

        return r;
    }

    private static ulong[] Concat(int bits, params ulong[][] parts)
    {
        var r = new ulong[PackedBits.WordCount(bits * parts.Length)];
        int at = 0;
        foreach (ulong[] p in parts)
        {
            for (int i = 0; i < bits; i++)
            {
                if (((p[i / 64] >> (i % 64)) & 1) != 0)
                {
                    r[(at + i) / 64] |= 1UL << ((at + i) % 64);
                }
            }

            at += bits;
        }

        return r;
    }
}
