using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

public sealed class MultiplicationTests
{
    [Fact]
    public void Multiply_in_memory_matches_plaintext_for_random_batches()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (xs, ys) =>
        {
            int m = Math.Min(xs.Length, ys.Length);
            uint[] x = xs[..m], y = ys[..m];
            uint[][] results = Parties.RunInMemoryAsync(async abb =>
            {
                ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, m);
                ShareVector sy = await abb.InputAsync(2, abb.PartyIndex == 2 ? y : default, m);
                ShareVector z = await abb.MultiplyAsync(sx, sy);
                return await abb.OpenAsync(z, "test: product");
            }).GetAwaiter().GetResult();
            uint[] expected = Parties.Product(x, y);
            return results.All(r => r.SequenceEqual(expected));
        }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8193)]
    [InlineData(100_000)]
    public async Task Multiply_handles_edge_lengths(int m)
    {
        using var prg = new AesCtrPrg(new byte[16]);
        var x = new uint[m];
        var y = new uint[m];
        prg.Fill(x);
        prg.Fill(y);
        if (m > 0)
        {
            x[0] = uint.MaxValue;
            y[0] = uint.MaxValue;
        }

        ShareVector[] xs = Parties.Deal(x, 3, prg), ys = Parties.Deal(y, 3, prg);
        uint[][] results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector z = await abb.MultiplyAsync(abb.FromShares(xs[abb.PartyIndex].Values), abb.FromShares(ys[abb.PartyIndex].Values));
            return await abb.OpenAsync(z, "test: product");
        });
        Assert.All(results, r => Assert.Equal(Parties.Product(x, y), r));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Dealer_source_simulates_any_party_count(int parties)
    {
        using var prg = new AesCtrPrg(new byte[16]);
        var x = new uint[300];
        var y = new uint[300];
        prg.Fill(x);
        prg.Fill(y);
        uint[][] results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector sx = await abb.InputAsync(parties - 1, abb.PartyIndex == parties - 1 ? x : default, x.Length);
            ShareVector sy = await abb.InputAsync(0, abb.PartyIndex == 0 ? y : default, y.Length);
            ShareVector z = await abb.MultiplyAsync(sx, sy);
            return await abb.OpenAsync(z, "test: product");
        }, parties, dealer: true);
        Assert.All(results, r => Assert.Equal(Parties.Product(x, y), r));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task The_step_by_step_combination_is_right_past_one_cache_sized_pass(int parties)
    {
        // A triple source other than the replicated one takes the step-by-step combination, which works in passes of
        // 16 KiB: 4,096 ring values or 2,048 words of bits. Lengths just past two passes check the last, shorter pass.
        const int m = (2 * 4096) + 7, words = (2 * 2048) + 5, bitLength = (words * 64) - 3;
        using var prg = new AesCtrPrg(new byte[16]);
        uint[] x = new uint[m], y = new uint[m];
        ulong[] u = new ulong[words], v = new ulong[words];
        prg.Fill(x);
        prg.Fill(y);
        prg.Fill(u);
        prg.Fill(v);
        u[^1] &= ulong.MaxValue >> 3;
        v[^1] &= ulong.MaxValue >> 3;
        (uint[] Product, ulong[] And)[] results = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, m);
            ShareVector sy = await abb.InputAsync(1, abb.PartyIndex == 1 ? y : default, m);
            BitShareVector su = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? u : default, bitLength);
            BitShareVector sv = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? v : default, bitLength);
            return (await abb.OpenAsync(await abb.MultiplyAsync(sx, sy), "test: product"), await abb.OpenBitsAsync(await abb.AndAsync(su, sv), "test: and"));
        }, parties, dealer: true);
        ulong[] and = u.Zip(v, (a, b) => a & b).ToArray();
        Assert.All(results, r =>
        {
            Assert.Equal(Parties.Product(x, y), r.Product);
            Assert.Equal(and, r.And);
        });
    }

    [Fact]
    public async Task Replicated_triples_satisfy_ab_equals_c_without_any_message()
    {
        const int m = 5000;
        ITransport[] transports = InMemoryNetwork.Create(3, Parties.TestTimeout);
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        long sentAfterSetup = sessions.Sum(s => s.Trace.BytesSent);
        var a = new uint[3][];
        var b = new uint[3][];
        var c = new uint[3][];
        var x = new ulong[3][];
        var y = new ulong[3][];
        var z = new ulong[3][];
        for (int p = 0; p < 3; p++)
        {
            using var source = new ReplicatedTripleSource(sessions[p]);
            (a[p], b[p], c[p]) = (new uint[m], new uint[m], new uint[m]);
            (x[p], y[p], z[p]) = (new ulong[m], new ulong[m], new ulong[m]);
            source.FillBeaverTriples(a[p], b[p], c[p]);
            source.FillAndTriples(x[p], y[p], z[p]);
        }

        Assert.Equal(sentAfterSetup, sessions.Sum(s => s.Trace.BytesSent));
        uint[] A = Sum(a), B = Sum(b), C = Sum(c);
        Assert.Equal(Parties.Product(A, B), C);
        ulong[] X = Xor(x), Y = Xor(y), Z = Xor(z);
        Assert.Equal(X.Zip(Y, (u, v) => u & v), Z);

        // The triples are not degenerate: a is spread over the ring and differs between parties' shares.
        Assert.True(A.Distinct().Count() > m * 0.99, "a should be (pseudo)uniform");
        Assert.NotEqual(a[0], a[1]);
        foreach (PartySession s in sessions)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Replicated_triples_hide_the_next_partys_components_of_a_and_b()
    {
        // Party i derives the replicated component a_{i+1} from the seed it shares with party i+1. If party i+1's
        // triple share were that component, every Beaver opening d_{i+1} = x_{i+1} − a_{i+1} would show party i the
        // share x_{i+1}; the source re-randomises a and b with zero sharings so that it does not.
        const int m = 4096;
        ITransport[] transports = InMemoryNetwork.Create(3, Parties.TestTimeout);
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        for (int i = 0; i < 3; i++)
        {
            int next = (i + 1) % 3;
            var a = new uint[m];
            var b = new uint[m];
            var c = new uint[m];
            using (var source = new ReplicatedTripleSource(sessions[next]))
            {
                source.FillBeaverTriples(a, b, c);
            }

            var knownA = new uint[m];
            var knownB = new uint[m];
            using (AesCtrPrg streamA = sessions[i].CreatePairStream(next, "beaver a"))
            using (AesCtrPrg streamB = sessions[i].CreatePairStream(next, "beaver b"))
            {
                streamA.Fill(knownA);
                streamB.Fill(knownB);
            }

            // Equal in no position beyond chance (expected m / 2^32 ≈ 0).
            Assert.True(a.Zip(knownA).Count(t => t.First == t.Second) <= 1, $"party {i} knows party {next}'s share of a");
            Assert.True(b.Zip(knownB).Count(t => t.First == t.Second) <= 1, $"party {i} knows party {next}'s share of b");
        }

        foreach (PartySession s in sessions)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Replicated_triples_refuse_a_session_that_is_not_three_parties()
    {
        ITransport[] transports = InMemoryNetwork.Create(4, Parties.TestTimeout);
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new ReplicatedTripleSource(sessions[0]));
        Assert.Contains("exactly 3 parties", e.Message);
    }

    [Fact]
    public async Task Multiplication_opens_only_the_beaver_masked_values_in_one_round()
    {
        const int m = 1000;
        var audits = await Parties.RunInMemoryAsync(async abb =>
        {
            ShareVector x = abb.Random(m), y = abb.Random(m);
            long rounds = abb.Trace.Rounds;
            _ = await abb.MultiplyAsync(x, y);
            return (abb.Audit.Entries, Rounds: abb.Trace.Rounds - rounds);
        });
        foreach (var (entries, rounds) in audits)
        {
            AuditEntry only = Assert.Single(entries);
            Assert.Equal(SemiHonestBlackBox.BeaverOpenLabel, only.Label);
            Assert.Equal(2 * m, only.Length);
            Assert.Null(only.Recipient);
            Assert.Equal(ShareDomain.Arithmetic, only.Domain);
            Assert.Equal(1, rounds);
        }
    }

    [Fact]
    public async Task Traces_are_identical_for_different_secret_inputs_of_the_same_size()
    {
        async Task<IReadOnlyList<TraceEntry>[]> Run(uint seedByte)
        {
            using var prg = new AesCtrPrg(Enumerable.Repeat((byte)seedByte, 16).ToArray());
            var x = new uint[777];
            var y = new uint[777];
            prg.Fill(x);
            prg.Fill(y);
            return await Parties.RunInMemoryAsync<IReadOnlyList<TraceEntry>>(async abb =>
            {
                abb.Trace.Reset();
                ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, x.Length);
                ShareVector sy = await abb.InputAsync(0, abb.PartyIndex == 0 ? y : default, y.Length);
                ShareVector z = await abb.MultiplyAsync(sx, sy);
                z = await abb.MultiplyAsync(z, sx);
                BitShareVector bits = await abb.InputBitsAsync(2, abb.PartyIndex == 2 ? new ulong[] { x[0], y[0] } : default, 100);
                _ = await abb.AndAsync(bits, abb.Not(bits));
                _ = await abb.OpenToAsync(z, 2, "test: output to party 2");
                return abb.Trace.Entries;
            });
        }

        IReadOnlyList<TraceEntry>[] first = await Run(1), second = await Run(2);
        for (int p = 0; p < 3; p++)
        {
            Assert.NotEmpty(first[p]);
            Assert.Equal(first[p], second[p]);
        }
    }

    private static ulong[] Xor(IEnumerable<ulong[]> parts)
    {
        ulong[]? total = null;
        foreach (ulong[] p in parts)
        {
            total ??= new ulong[p.Length];
            PackedBits.Xor(total, p, total);
        }

        return total!;
    }

    private static uint[] Sum(IEnumerable<uint[]> parts)
    {
        uint[]? total = null;
        foreach (uint[] p in parts)
        {
            total ??= new uint[p.Length];
            Ring32.Add(total, p, total);
        }

        return total!;
    }
}
