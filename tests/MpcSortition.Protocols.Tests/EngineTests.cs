using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Every operation of <see cref="IArithmeticBlackBox"/> and the comparison toolkit against plaintext, once per engine
/// (<see cref="BlackBoxEngine.Beaver"/>, <see cref="BlackBoxEngine.Replicated"/>), with operands made every way a
/// program makes them (input by a party, contributor shares without companion, random, public). On the replicated
/// engine every handle is also checked for the replicated invariant: where party i carries a companion it equals
/// party i + 1's own component.
/// </summary>
public sealed class EngineTests
{
    public static TheoryData<BlackBoxEngine> Engines => new(BlackBoxEngine.Beaver, BlackBoxEngine.Replicated);

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(60);

    internal static Task<T[]> RunAsync<T>(BlackBoxEngine engine, Func<IArithmeticBlackBox, Task<T>> program, Func<ITransport, ITransport>? decorate = null) =>
        InProcessParties.RunAsync(program, new InProcessOptions { Engine = engine, OperationTimeout = Parties.TestTimeout, TransportDecorator = decorate })
            .WaitAsync(TimeSpan.FromSeconds(120));

    /// <summary>Party i's companion equals party i + 1's component, for every party (the debug check of the
    /// replicated invariant); <paramref name="expectCompanion"/> says whether the handle must carry one.</summary>
    internal static void AssertConsistent(ShareVector[] h, bool? expectCompanion = null)
    {
        for (int i = 0; i < 3; i++)
        {
            uint[]? next = ReplicatedBlackBox.CompanionOf(h[i]);
            if (expectCompanion is bool expected)
            {
                Assert.Equal(expected, next is not null);
            }

            if (next is not null)
            {
                Assert.True(next.AsSpan().SequenceEqual(h[(i + 1) % 3].Values), $"party {i}'s companion differs from party {(i + 1) % 3}'s component");
            }
        }
    }

    internal static void AssertConsistent(BitShareVector[] h, bool? expectCompanion = null)
    {
        for (int i = 0; i < 3; i++)
        {
            ulong[]? next = ReplicatedBlackBox.CompanionOf(h[i]);
            if (expectCompanion is bool expected)
            {
                Assert.Equal(expected, next is not null);
            }

            if (next is not null)
            {
                Assert.True(next.AsSpan().SequenceEqual(h[(i + 1) % 3].Words), $"party {i}'s bit companion differs from party {(i + 1) % 3}'s component");
            }
        }
    }

    private static uint[] Reconstruct(ShareVector[] h)
    {
        var sum = new uint[h[0].Length];
        foreach (ShareVector s in h)
        {
            Ring32.Add(sum, s.Values, sum);
        }

        return sum;
    }

    private static ulong[] Reconstruct(BitShareVector[] h)
    {
        var x = new ulong[h[0].Words.Length];
        foreach (BitShareVector s in h)
        {
            PackedBits.Xor(x, s.Words, x);
        }

        return x;
    }

    private static ShareVector[] Column(ShareVector[][] results, int k) => results.Select(r => r[k]).ToArray();

    private static uint[] InnerProducts(uint[] x, uint[] y, int length)
    {
        var r = new uint[x.Length / length];
        for (int i = 0; i < x.Length; i++)
        {
            r[i / length] += unchecked(x[i] * y[i]);
        }

        return r;
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Arithmetic_operations_match_plaintext_and_keep_the_replicated_invariant(BlackBoxEngine engine)
    {
        Check.One(Config, Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, Properties.AnyUInt, (xs, ys, c) =>
        {
            int m = Math.Min(xs.Length, ys.Length);
            uint[] x = xs[..m], y = ys[..m];
            using var prg = new AesCtrPrg(BitConverter.GetBytes((ulong)m * 7919).Concat(new byte[8]).ToArray());
            ShareVector[] dealt = Parties.Deal(y, 3, prg);
            bool replicated = engine == BlackBoxEngine.Replicated;
            ShareVector[][] results = RunAsync(engine, async abb =>
            {
                ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, m);
                ShareVector sy = abb.FromShares(dealt[abb.PartyIndex].Values); // a contributor's shares: no companion
                ShareVector syR = await abb.InputAsync(2, abb.PartyIndex == 2 ? y : default, m);
                ShareVector r = abb.Random(m);
                ShareVector lin = abb.AddPublic(abb.MultiplyPublic(abb.Subtract(abb.Add(sx, syR), abb.Negate(r)), c), c);
                ShareVector xx = await abb.MultiplyAsync(sx, syR);          // replicated × replicated
                ShareVector xy = await abb.MultiplyAsync(sx, sy);           // replicated × additive
                ShareVector yy = await abb.MultiplyAsync(sy, sy);           // additive × additive
                ShareVector chained = await abb.MultiplyAsync(xx, abb.AddPublic(syR, 1)); // a product used again
                ShareVector cat = abb.Concat(abb.Slice(sx, 0, m / 2), abb.Slice(sx, m / 2, m - (m / 2)));
                ShareVector pub = abb.Public(x);
                ShareVector pubProduct = await abb.MultiplyAsync(pub, syR);
                ShareVector vectorLin = abb.AddPublic(abb.MultiplyPublic(syR, x), y); // public vectors: y·x + y
                return new[] { sx, sy, syR, r, lin, xx, xy, yy, chained, cat, pub, pubProduct, vectorLin };
            }).GetAwaiter().GetResult();

            uint[] rValues = Reconstruct(Column(results, 3));
            uint Lin(int i) => unchecked(((x[i] + y[i] + rValues[i]) * c) + c);
            bool ok = Reconstruct(Column(results, 0)).SequenceEqual(x)
                && Reconstruct(Column(results, 1)).SequenceEqual(y)
                && Reconstruct(Column(results, 2)).SequenceEqual(y)
                && Reconstruct(Column(results, 4)).SequenceEqual(Enumerable.Range(0, m).Select(Lin))
                && Reconstruct(Column(results, 5)).SequenceEqual(Parties.Product(x, y))
                && Reconstruct(Column(results, 6)).SequenceEqual(Parties.Product(x, y))
                && Reconstruct(Column(results, 7)).SequenceEqual(Parties.Product(y, y))
                && Reconstruct(Column(results, 8)).SequenceEqual(Parties.Product(Parties.Product(x, y), y.Select(v => v + 1).ToArray()))
                && Reconstruct(Column(results, 9)).SequenceEqual(x)
                && Reconstruct(Column(results, 10)).SequenceEqual(x)
                && Reconstruct(Column(results, 11)).SequenceEqual(Parties.Product(x, y))
                && Reconstruct(Column(results, 12)).SequenceEqual(Parties.Product(x, y).Zip(y, (p, v) => unchecked(p + v)));
            if (replicated)
            {
                // Which handles carry a companion is fixed by how they were made; all must be consistent.
                bool[] expect = [true, false, true, true, true, true, false, false, true, true, true, true, true];
                for (int k = 0; k < expect.Length; k++)
                {
                    AssertConsistent(Column(results, k), expect[k]);
                }
            }
            else
            {
                AssertConsistent(Column(results, 5), false);
            }

            return ok;
        }));
    }

    [Theory]
    [InlineData(BlackBoxEngine.Replicated, 3000, 7)]    // blocks of one row that do not fill a 4,096-element chunk
    [InlineData(BlackBoxEngine.Replicated, 5000, 3)]    // rows longer than a chunk
    [InlineData(BlackBoxEngine.Replicated, 20000, 2)]   // the Design 2 join's row length
    [InlineData(BlackBoxEngine.Beaver, 5000, 3)]
    public async Task Inner_products_of_rows_longer_than_a_chunk_match_plaintext(BlackBoxEngine engine, int length, int rows)
    {
        var random = new Random(length + rows);
        int m = length * rows;
        uint[] x = Enumerable.Range(0, m).Select(_ => (uint)random.NextInt64(0, 1L << 32)).ToArray();
        uint[] y = Enumerable.Range(0, m).Select(_ => (uint)random.NextInt64(0, 1L << 32)).ToArray();
        ShareVector[] r = await RunAsync(engine, async abb =>
        {
            ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, m);
            ShareVector sy = await abb.InputAsync(2, abb.PartyIndex == 2 ? y : default, m);
            return await abb.InnerProductAsync(sx, sy, length);
        });

        if (engine == BlackBoxEngine.Replicated)
        {
            AssertConsistent(r, true);
        }

        Assert.Equal(InnerProducts(x, y, length), Reconstruct(r));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Inner_products_match_plaintext_for_any_row_length(BlackBoxEngine engine)
    {
        Check.One(Config, Prop.ForAll(Properties.AnyUInts, Gen.Choose(1, 9).ToArbitrary(), (xs, length) =>
        {
            int m = xs.Length / length * length;
            uint[] x = xs[..m], y = xs[..m].Reverse().Select(v => v ^ 0x9E3779B9u).ToArray();
            using var prg = new AesCtrPrg(new byte[16]);
            ShareVector[] dealt = Parties.Deal(y, 3, prg);
            (ShareVector R, ShareVector A, SessionCost Cost)[] results = RunAsync(engine, async abb =>
            {
                ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, m);
                ShareVector sy = await abb.InputAsync(0, abb.PartyIndex == 0 ? y : default, m);
                SessionCost before = abb.Cost;
                ShareVector ip = await abb.InnerProductAsync(sx, sy, length);
                SessionCost cost = abb.Cost - before;
                ShareVector ipAdditive = await abb.InnerProductAsync(sx, abb.FromShares(dealt[abb.PartyIndex].Values), length);
                return (ip, ipAdditive, cost);
            }).GetAwaiter().GetResult();

            uint[] expected = InnerProducts(x, y, length);
            ShareVector[] r = results.Select(t => t.R).ToArray();
            if (engine == BlackBoxEngine.Replicated)
            {
                AssertConsistent(r, true);

                // One element per output whatever the row length: 4 bytes to one peer, one round.
                Assert.All(results, t => Assert.Equal(4L * (m / length), t.Cost.BytesSent));
            }
            else
            {
                Assert.All(results, t => Assert.Equal(16L * m, t.Cost.BytesSent));
            }

            Assert.All(results, t => Assert.Equal(engine == BlackBoxEngine.Beaver && m == 0 ? 0 : 1, t.Cost.Rounds));
            return Reconstruct(r).SequenceEqual(expected) && Reconstruct(results.Select(t => t.A).ToArray()).SequenceEqual(expected);
        }));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Boolean_operations_match_plaintext_and_keep_the_replicated_invariant(BlackBoxEngine engine)
    {
        Check.One(Config, Prop.ForAll(Properties.AnyUInts, Gen.Choose(0, 200).ToArbitrary(), (seedWords, bits) =>
        {
            int words = PackedBits.WordCount(bits);
            using var prg = new AesCtrPrg(BitConverter.GetBytes(seedWords.Length * 31L + bits).Concat(new byte[8]).ToArray());
            var a = new ulong[words];
            var b = new ulong[words];
            var mask = new ulong[words];
            prg.Fill(a);
            prg.Fill(b);
            prg.Fill(mask);
            Clear(a, bits);
            Clear(b, bits);
            Clear(mask, bits);
            var dealtB = new ulong[3][];
            dealtB[1] = new ulong[words];
            dealtB[2] = new ulong[words];
            prg.Fill(dealtB[1]);
            prg.Fill(dealtB[2]);
            dealtB[0] = b.Zip(dealtB[1], (u, v) => u ^ v).Zip(dealtB[2], (u, v) => u ^ v).ToArray();
            BitShareVector[][] results = RunAsync(engine, async abb =>
            {
                BitShareVector sa = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? a : default, bits);
                BitShareVector sb = abb.FromBitShares(dealtB[abb.PartyIndex], bits);
                BitShareVector sbR = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? b : default, bits);
                BitShareVector and = await abb.AndAsync(sa, sbR);
                BitShareVector andAdditive = await abb.AndAsync(sa, sb);
                BitShareVector lin = abb.Not(abb.XorPublic(abb.AndPublic(abb.Xor(sa, sbR), mask), mask));
                BitShareVector and2 = await abb.AndAsync(and, lin);
                BitShareVector slice = abb.ConcatBits(abb.SliceBits(sa, 0, bits / 3), abb.SliceBits(sa, bits / 3, bits - (bits / 3)));
                BitShareVector r = abb.RandomBits(bits);
                return new[] { sa, sb, and, andAdditive, lin, and2, slice, r, abb.PublicBits(a, bits) };
            }).GetAwaiter().GetResult();

            ulong[] andExpected = a.Zip(b, (u, v) => u & v).ToArray();
            ulong[] linExpected = a.Zip(b, (u, v) => u ^ v).Zip(mask, (u, v) => (u & v) ^ v).Select(u => ~u).ToArray();
            Clear(linExpected, bits);
            ulong[] and2Expected = andExpected.Zip(linExpected, (u, v) => u & v).ToArray();
            BitShareVector[] Col(int k) => results.Select(r => r[k]).ToArray();
            if (engine == BlackBoxEngine.Replicated)
            {
                bool[] expect = [true, false, true, false, true, true, true, true, true];
                for (int k = 0; k < expect.Length; k++)
                {
                    AssertConsistent(Col(k), expect[k]);
                }
            }

            ulong[] random = Reconstruct(Col(7));
            bool tailClear = bits % 64 == 0 || words == 0 || results.All(r => r.All(h => (h.Words[^1] >> (bits % 64)) == 0));
            return Reconstruct(Col(0)).SequenceEqual(a)
                && Reconstruct(Col(1)).SequenceEqual(b)
                && Reconstruct(Col(2)).SequenceEqual(andExpected)
                && Reconstruct(Col(3)).SequenceEqual(andExpected)
                && Reconstruct(Col(4)).SequenceEqual(linExpected)
                && Reconstruct(Col(5)).SequenceEqual(and2Expected)
                && Reconstruct(Col(6)).SequenceEqual(a)
                && Reconstruct(Col(8)).SequenceEqual(a)
                && random.Length == words
                && tailClear;
        }));
    }

    private static void Clear(ulong[] w, int bits)
    {
        if (bits % 64 != 0 && w.Length > 0)
        {
            w[^1] &= (1UL << (bits % 64)) - 1;
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Openings_reveal_the_values_to_whom_they_are_for_and_are_audited(BlackBoxEngine engine)
    {
        Check.One(Config, Prop.ForAll(Properties.AnyUInts, Gen.Choose(0, 2).ToArbitrary(), (x, recipient) =>
        {
            int m = x.Length;
            using var prg = new AesCtrPrg(new byte[16]);
            ShareVector[] dealt = Parties.Deal(x, 3, prg);
            ulong[] bits = x.Select(v => (ulong)v * 0x9E3779B97F4A7C15UL).ToArray();
            var results = RunAsync(engine, async abb =>
            {
                ShareVector rep = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, m);
                ShareVector add = abb.FromShares(dealt[abb.PartyIndex].Values);
                BitShareVector b = await abb.InputBitsAsync(2, abb.PartyIndex == 2 ? bits : default, 64 * m);
                uint[] all = await abb.OpenAsync(rep, "test: open replicated");
                uint[] all2 = await abb.OpenAsync(add, "test: open additive");
                uint[]? one = await abb.OpenToAsync(rep, recipient, "test: open-to replicated");
                uint[]? one2 = await abb.OpenToAsync(add, recipient, "test: open-to additive");
                ulong[] bitsAll = await abb.OpenBitsAsync(b, "test: bits");
                ulong[]? bitsOne = await abb.OpenBitsToAsync(b, recipient, "test: bits to one");
                return (all, all2, one, one2, bitsAll, bitsOne, Audit: abb.Audit.Entries.ToArray());
            }).GetAwaiter().GetResult();
            for (int p = 0; p < 3; p++)
            {
                var r = results[p];
                Assert.Equal(x, r.all);
                Assert.Equal(x, r.all2);
                Assert.Equal(bits, r.bitsAll);
                Assert.Equal(p == recipient ? x : null, r.one);
                Assert.Equal(p == recipient ? x : null, r.one2);
                Assert.Equal(p == recipient ? bits : null, r.bitsOne);
                Assert.Equal(["test: open replicated", "test: open additive", "test: open-to replicated", "test: open-to additive", "test: bits", "test: bits to one"], r.Audit.Select(e => e.Label));
                Assert.Equal([null, null, recipient, recipient, null, recipient], r.Audit.Select(e => e.Recipient));
            }

            return true;
        }));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void The_comparison_toolkit_matches_plaintext(BlackBoxEngine engine)
    {
        Check.One(Config.WithMaxTest(25), Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (xs, ys) =>
        {
            int m = Math.Min(xs.Length, ys.Length);
            uint[] x = xs[..m], y = ys[..m];
            for (int i = 0; i < m; i += 3)
            {
                y[i] = x[i];
            }

            uint[] hx = x.Select(v => v >> 1).ToArray(), hy = y.Select(v => v >> 1).ToArray();
            using var prg = new AesCtrPrg(new byte[16]);
            ShareVector[] dealt = Parties.Deal(y, 3, prg);
            var results = RunAsync(engine, async abb =>
            {
                ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, m);
                ShareVector sy = abb.FromShares(dealt[abb.PartyIndex].Values);
                ShareVector shx = await abb.InputAsync(1, abb.PartyIndex == 1 ? hx : default, m);
                ShareVector shy = await abb.InputAsync(2, abb.PartyIndex == 2 ? hy : default, m);
                BitShareVector lt = await abb.LessThanAsync(sx, sy);
                BitShareVector lts = await abb.LessThanAsync(sx, sy, ComparisonMode.Signed);
                BitShareVector ltd = await abb.LessThanAsync(shx, shy, ComparisonMode.SignOfDifference);
                BitShareVector ltc = await abb.LessThanAsync(sx, y);
                BitShareVector eq = await abb.EqualAsync(sx, sy);
                BitShareVector eqc = await abb.EqualAsync(sx, y);
                ShareVector back = await abb.FromBitsAsync(await abb.ToBitsAsync(sx));
                ShareVector sel = await abb.SelectAsync(lt, sx, sy);
                var open = new List<ulong[]>();
                foreach (BitShareVector b in new[] { lt, lts, ltd, ltc, eq, eqc })
                {
                    open.Add(await abb.OpenBitsAsync(b, "test: comparison"));
                }

                return (open, Back: await abb.OpenAsync(back, "test: A2B∘B2A"), Sel: await abb.OpenAsync(sel, "test: select"));
            }).GetAwaiter().GetResult();

            bool Bit(ulong[] w, int i) => ((w[i >> 6] >> (i & 63)) & 1) == 1;
            var r = results[0];
            for (int i = 0; i < m; i++)
            {
                if (Bit(r.open[0], i) != (x[i] < y[i]) || Bit(r.open[1], i) != ((int)x[i] < (int)y[i]) || Bit(r.open[2], i) != (hx[i] < hy[i])
                    || Bit(r.open[3], i) != (x[i] < y[i]) || Bit(r.open[4], i) != (x[i] == y[i]) || Bit(r.open[5], i) != (x[i] == y[i])
                    || r.Sel[i] != (x[i] < y[i] ? x[i] : y[i]))
                {
                    return false;
                }
            }

            return r.Back.SequenceEqual(x);
        }));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Traces_and_audits_are_identical_for_different_secrets(BlackBoxEngine engine)
    {
        async Task<(TraceEntry[] Trace, string[] Audit)[]> Run(byte seed)
        {
            using var prg = new AesCtrPrg(Enumerable.Repeat(seed, 16).ToArray());
            var x = new uint[333];
            var y = new uint[333];
            prg.Fill(x);
            prg.Fill(y);
            ShareVector[] dealt = Parties.Deal(y, 3, prg);
            return await RunAsync(engine, async abb =>
            {
                abb.Trace.Reset();
                ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, x.Length);
                ShareVector sy = abb.FromShares(dealt[abb.PartyIndex].Values);
                ShareVector p = await abb.MultiplyAsync(sx, sy);
                ShareVector q = await abb.MultiplyAsync(sx, sx);
                ShareVector ip = await abb.InnerProductAsync(sx, q, 9);
                BitShareVector lt = await abb.LessThanAsync(p, q);
                BitShareVector eq = await abb.EqualAsync(sx, sy);
                BitShareVector and = await abb.AndAsync(lt, eq);
                _ = await abb.OpenBitsToAsync(and, 1, "test: output");
                _ = await abb.OpenToAsync(ip, 2, "test: output");
                return (abb.Trace.Entries.ToArray(), abb.Audit.Entries.Select(e => $"{e.Label}|{e.Length}|{e.Recipient}|{e.Round}").ToArray());
            });
        }

        var first = await Run(1);
        var second = await Run(2);
        for (int p = 0; p < 3; p++)
        {
            Assert.NotEmpty(first[p].Trace);
            Assert.Equal(first[p].Trace, second[p].Trace);
            Assert.Equal(first[p].Audit, second[p].Audit);
        }
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver, 16)]
    [InlineData(BlackBoxEngine.Replicated, 4)]
    public async Task A_multiplication_costs_one_round_and_the_documented_bytes(BlackBoxEngine engine, int bytesPerProduct)
    {
        const int m = 1000;
        SessionCost[] costs = await RunAsync(engine, async abb =>
        {
            ShareVector x = abb.Random(m), y = abb.Random(m);
            SessionCost before = abb.Cost;
            _ = await abb.MultiplyAsync(x, y);
            return abb.Cost - before;
        });
        Assert.All(costs, c => Assert.Equal(new SessionCost(1, bytesPerProduct * m, bytesPerProduct * m, m, 0), c));
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver, 114 * 4, 62 * 4, 343 * 4)]
    [InlineData(BlackBoxEngine.Replicated, 114, 62, 343)]
    public async Task Comparisons_and_equality_cost_their_and_gates_at_the_engines_price(BlackBoxEngine engine, int signBits, int equalityBits, int exactBits)
    {
        // m a multiple of 64, so no plane padding: bits sent per element = ANDs × (4 on Beaver: d and e to two peers;
        // 1 on the replicated engine with replicated operands: one resharing bit to one peer).
        const int m = 640;
        (long Lt, long Eq, long LtRounds, long EqRounds, long Exact, long ExactRounds)[] costs = await RunAsync(engine, async abb =>
        {
            ShareVector x = await abb.InputAsync(0, abb.PartyIndex == 0 ? new uint[m] : default, m);
            ShareVector y = await abb.InputAsync(1, abb.PartyIndex == 1 ? new uint[m] : default, m);
            SessionCost a = abb.Cost;
            _ = await abb.LessThanAsync(x, y, ComparisonMode.SignOfDifference);
            SessionCost b = abb.Cost;
            _ = await abb.EqualAsync(x, y);
            SessionCost c = abb.Cost;
            _ = await abb.LessThanAsync(x, y);
            SessionCost d = abb.Cost;
            return ((b - a).BytesSent, (c - b).BytesSent, (b - a).Rounds, (c - b).Rounds, (d - c).BytesSent, (d - c).Rounds);
        });
        Assert.All(costs, c => Assert.Equal((signBits * m / 8L, equalityBits * m / 8L, 7L, 6L, exactBits * m / 8L, 8L), c));
    }

    [Fact]
    public async Task Replicated_openings_send_one_component_to_one_peer()
    {
        const int m = 100;
        (SessionCost Open, SessionCost OpenTo, SessionCost And)[] costs = await RunAsync(BlackBoxEngine.Replicated, async abb =>
        {
            ShareVector x = abb.Random(m);
            SessionCost a = abb.Cost;
            _ = await abb.OpenAsync(x, "test: open");
            SessionCost b = abb.Cost;
            _ = await abb.OpenToAsync(x, 1, "test: open to 1");
            SessionCost c = abb.Cost;
            _ = await abb.AndAsync(abb.RandomBits(640), abb.RandomBits(640));
            return (b - a, c - b, abb.Cost - c);
        });
        Assert.All(costs, c => Assert.Equal(4 * m, c.Open.BytesSent));
        Assert.Equal([4L * m, 0L, 0L], costs.Select(c => c.OpenTo.BytesSent)); // party 0 = the recipient's previous party
        Assert.Equal(4L * m, costs[1].OpenTo.BytesReceived);
        Assert.All(costs, c => Assert.Equal(new SessionCost(1, 80, 80, 0, 640), c.And)); // 1 bit per AND, to one peer
    }

    [Fact]
    public async Task The_replicated_engine_refuses_other_party_counts_and_foreign_handles()
    {
        ITransport[] transports = InMemoryNetwork.Create(4, Parties.TestTimeout);
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ReplicatedBlackBox(sessions[0]));
        Assert.Contains("exactly 3 parties", e.Message);
        string[] messages = await RunAsync(BlackBoxEngine.Replicated, async abb =>
        {
            var foreign = new ShareVector((abb.PartyIndex + 1) % 3, new uint[3]);
            ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => abb.MultiplyAsync(foreign, foreign).AsTask());
            await Assert.ThrowsAsync<ArgumentException>(() => abb.InnerProductAsync(abb.Random(6), abb.Random(6), 4).AsTask());
            Assert.Equal(0, abb.Trace.Rounds);
            return error.Message;
        });
        Assert.All(messages, m => Assert.Contains("this black box is party", m));
    }
}
