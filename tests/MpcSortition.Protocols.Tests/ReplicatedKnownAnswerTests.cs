using System.Security.Cryptography;
using System.Text;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Known answers for the replicated engine, computed outside the engine: with seeded sessions
/// (<see cref="SeededSessions"/>: party a's contribution to b is SHA-256(seed ‖ a ‖ b)) the test derives each pairwise
/// key itself (HKDF-Extract over the two contributions, lower index first, with the session salt) and each of the eight
/// streams (HKDF-Expand with "MpcSortition stream: " + the purpose), so a changed label, a swapped stream or a wrong sign
/// in a zero sharing changes a party's share although every opened value stays correct. Also the cost counter and the
/// audit round a user reads after each operation, and inputs longer than one cache-sized chunk against plaintext.
/// Found by the round-5 Stryker run of <c>ReplicatedBlackBox*.cs</c> (labels, audit round, counters, chunk loops survived).
/// </summary>
public sealed class ReplicatedKnownAnswerTests
{
    private const byte Seed = 61;

    // ------------------------------------------------------------------ the independent derivation

    private static byte[] PairKey(int a, int b)
    {
        int lo = Math.Min(a, b), hi = Math.Max(a, b);
        byte[] ikm = [.. SHA256.HashData([Seed, (byte)lo, (byte)hi]), .. SHA256.HashData([Seed, (byte)hi, (byte)lo])];
        return HKDF.Extract(HashAlgorithmName.SHA256, ikm, Encoding.ASCII.GetBytes("MpcSortition pairwise seed v1"));
    }

    private static AesCtrPrg Stream(int a, int b, string purpose) =>
        new(HKDF.Expand(HashAlgorithmName.SHA256, PairKey(a, b), AesCtrPrg.SeedSize, Encoding.ASCII.GetBytes("MpcSortition stream: " + purpose)));

    /// <summary>The first <paramref name="n"/> words of the stream of parties a and b for a purpose.</summary>
    private static uint[] F(int a, int b, string purpose, int n)
    {
        using AesCtrPrg prg = Stream(a, b, purpose);
        var r = new uint[n];
        prg.Fill(r);
        return r;
    }

    private static ulong[] FBits(int a, int b, string purpose, int words)
    {
        using AesCtrPrg prg = Stream(a, b, purpose);
        var r = new ulong[words];
        prg.Fill(r);
        return r;
    }

    /// <summary>Party i's share of a zero sharing: F(k_{i,i+1}) − F(k_{i−1,i}).</summary>
    private static uint[] Zero(int i, string purpose, int n)
    {
        uint[] a = F(i, (i + 1) % 3, purpose, n), b = F((i + 2) % 3, i, purpose, n);
        return [.. a.Select((v, k) => v - b[k])];
    }

    private static ulong[] ZeroBits(int i, string purpose, int words)
    {
        ulong[] a = FBits(i, (i + 1) % 3, purpose, words), b = FBits((i + 2) % 3, i, purpose, words);
        return [.. a.Select((v, k) => v ^ b[k])];
    }

    private static uint[] Values(int n, uint salt) => [.. Enumerable.Range(0, n).Select(k => (uint)(k * 2_654_435_761u) ^ salt)];

    private static ulong[] Words(int n, ulong salt) => [.. Enumerable.Range(0, n).Select(k => ((ulong)k * 0x9E37_79B9_7F4A_7C15ul) ^ salt)];

    private static async Task<T[]> RunAsync<T>(Func<ReplicatedBlackBox, Task<T>> program)
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(Seed);
        ReplicatedBlackBox[] boxes = [.. sessions.Select(s => new ReplicatedBlackBox(s))];
        try
        {
            return await Task.WhenAll(boxes.Select(b => Task.Run(() => program(b)))).WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            await SeededSessions.DisposeAllAsync(boxes);
        }
    }

    private static void AssertShares(uint[] expected, ReadOnlySpan<uint> actual, string what) =>
        Assert.True(actual.SequenceEqual(expected), $"{what}: the share differs from the known answer");

    private static void AssertShares(ulong[] expected, ReadOnlySpan<ulong> actual, string what) =>
        Assert.True(actual.SequenceEqual(expected), $"{what}: the share differs from the known answer");

    // ------------------------------------------------------------------ streams

    [Fact]
    public async Task Random_values_are_the_replicated_random_streams_of_the_two_pairs()
    {
        const int n = 37;
        var shares = await RunAsync(b => Task.FromResult(b.Random(n)));
        for (int i = 0; i < 3; i++)
        {
            AssertShares(F((i + 2) % 3, i, "replicated random", n), shares[i].Values, $"party {i}'s component");
            AssertShares(F(i, (i + 1) % 3, "replicated random", n), ReplicatedBlackBox.CompanionOf(shares[i]), $"party {i}'s companion");
        }
    }

    [Fact]
    public async Task Random_bits_are_the_replicated_random_bits_streams_of_the_two_pairs()
    {
        const int words = 3;
        var shares = await RunAsync(b => Task.FromResult(b.RandomBits(64 * words)));
        for (int i = 0; i < 3; i++)
        {
            AssertShares(FBits((i + 2) % 3, i, "replicated random bits", words), shares[i].Words, $"party {i}'s component");
            AssertShares(FBits(i, (i + 1) % 3, "replicated random bits", words), ReplicatedBlackBox.CompanionOf(shares[i]), $"party {i}'s companion");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Input_masks_the_owners_value_with_the_replicated_input_stream(int owner)
    {
        const int n = 29;
        uint[] x = Values(n, 0xA5A5_0001);
        var shares = await RunAsync(async b => await b.InputAsync(owner, b.PartyIndex == owner ? x : default, n));
        int next = (owner + 1) % 3, prev = (owner + 2) % 3;
        uint[] mask = F(owner, next, "replicated input", n);
        AssertShares([.. x.Select((v, k) => v - mask[k])], shares[owner].Values, "owner's component");
        AssertShares(mask, shares[next].Values, "the owner's next party's component");
        AssertShares(new uint[n], shares[prev].Values, "the owner's previous party's component");
    }

    [Fact]
    public async Task Bit_input_masks_the_owners_words_with_the_replicated_input_bits_stream()
    {
        const int words = 4, owner = 1;
        ulong[] x = Words(words, 0x0F0F);
        var shares = await RunAsync(async b => await b.InputBitsAsync(owner, b.PartyIndex == owner ? x : default, 64 * words));
        ulong[] mask = FBits(owner, 2, "replicated input bits", words);
        AssertShares([.. x.Select((v, k) => v ^ mask[k])], shares[owner].Words, "owner's component");
        AssertShares(mask, shares[2].Words, "the owner's next party's component");
        AssertShares(new ulong[words], shares[0].Words, "the owner's previous party's component");
    }

    /// <summary>Products of replicated operands: z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i + ζ_i with ζ from the "replicated
    /// mul zero" streams; n spans two cache-sized chunks of the zero sharing (4096 words each).</summary>
    [Theory]
    [InlineData(5)]
    [InlineData(4096 + 4096 + 77)]
    public async Task Replicated_product_shares_are_the_cross_terms_plus_the_mul_zero_sharing(int n)
    {
        uint[] x = Values(n, 17), y = Values(n, 0xDEAD_BEEF);
        var r = await RunAsync(async b =>
        {
            ShareVector sx = await b.InputAsync(0, b.PartyIndex == 0 ? x : default, n);
            ShareVector sy = await b.InputAsync(1, b.PartyIndex == 1 ? y : default, n);
            ShareVector z = await b.MultiplyAsync(sx, sy);
            uint[] opened = await b.OpenAsync(z, "test: product");
            return (X: sx.Values.ToArray(), Y: sy.Values.ToArray(), Z: z.Values.ToArray(), Opened: opened);
        });
        for (int i = 0; i < 3; i++)
        {
            int j = (i + 1) % 3;
            uint[] zero = Zero(i, "replicated mul zero", n);
            uint[] expected = [.. Enumerable.Range(0, n).Select(k => zero[k] + (r[i].X[k] * (r[i].Y[k] + r[j].Y[k])) + (r[j].X[k] * r[i].Y[k]))];
            AssertShares(expected, r[i].Z, $"party {i}'s product share");
            Assert.Equal(x.Zip(y, (a, c) => a * c), r[i].Opened);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(2048 + 2048 + 5)]
    public async Task Replicated_and_shares_are_the_cross_terms_plus_the_and_zero_sharing(int words)
    {
        ulong[] a = Words(words, 3), c = Words(words, 0xFFFF_0000_1234);
        var r = await RunAsync(async b =>
        {
            BitShareVector sa = await b.InputBitsAsync(2, b.PartyIndex == 2 ? a : default, 64 * words);
            BitShareVector sc = await b.InputBitsAsync(0, b.PartyIndex == 0 ? c : default, 64 * words);
            BitShareVector z = await b.AndAsync(sa, sc);
            ulong[] opened = await b.OpenBitsAsync(z, "test: and");
            return (A: sa.Words.ToArray(), C: sc.Words.ToArray(), Z: z.Words.ToArray(), Opened: opened);
        });
        for (int i = 0; i < 3; i++)
        {
            int j = (i + 1) % 3;
            ulong[] zero = ZeroBits(i, "replicated and zero", words);
            ulong[] expected = [.. Enumerable.Range(0, words).Select(k => zero[k] ^ (r[i].A[k] & (r[i].C[k] ^ r[j].C[k])) ^ (r[j].A[k] & r[i].C[k]))];
            AssertShares(expected, r[i].Z, $"party {i}'s AND share");
            Assert.Equal(a.Zip(c, (p, q) => p & q), r[i].Opened);
        }
    }

    /// <summary>An additive operand is first re-randomised with the "replicated reshare" zero sharing; the product then
    /// uses the re-randomised components (and its own "replicated mul zero" sharing).</summary>
    [Fact]
    public async Task Additive_operand_is_reshared_with_the_replicated_reshare_streams()
    {
        const int n = 23;
        uint[][] xs = [Values(n, 1), Values(n, 2), Values(n, 3)];
        uint[] y = Values(n, 99);
        var r = await RunAsync(async b =>
        {
            var sx = new ShareVector(b.PartyIndex, xs[b.PartyIndex]);
            ShareVector sy = await b.InputAsync(2, b.PartyIndex == 2 ? y : default, n);
            ShareVector z = await b.MultiplyAsync(sx, sy);
            return (Y: sy.Values.ToArray(), Z: z.Values.ToArray(), HasCompanion: ReplicatedBlackBox.CompanionOf(z) is not null);
        });
        uint[][] xm = [.. Enumerable.Range(0, 3).Select(i => { uint[] zeta = Zero(i, "replicated reshare", n); return xs[i].Select((v, k) => v + zeta[k]).ToArray(); })];
        for (int i = 0; i < 3; i++)
        {
            int j = (i + 1) % 3;
            uint[] zero = Zero(i, "replicated mul zero", n);
            uint[] expected = [.. Enumerable.Range(0, n).Select(k => zero[k] + (xm[i][k] * (r[i].Y[k] + r[j].Y[k])) + (xm[j][k] * r[i].Y[k]))];
            AssertShares(expected, r[i].Z, $"party {i}'s product share");
            Assert.False(r[i].HasCompanion);
        }
    }

    [Fact]
    public async Task Additive_bit_operand_is_reshared_with_the_replicated_reshare_bits_streams()
    {
        const int words = 3;
        ulong[][] xs = [Words(words, 11), Words(words, 12), Words(words, 13)];
        ulong[] c = Words(words, 77);
        var r = await RunAsync(async b =>
        {
            var sx = new BitShareVector(b.PartyIndex, 64 * words, xs[b.PartyIndex]);
            BitShareVector sc = await b.InputBitsAsync(1, b.PartyIndex == 1 ? c : default, 64 * words);
            BitShareVector z = await b.AndAsync(sx, sc);
            return (C: sc.Words.ToArray(), Z: z.Words.ToArray());
        });
        ulong[][] xm = [.. Enumerable.Range(0, 3).Select(i => { ulong[] zeta = ZeroBits(i, "replicated reshare bits", words); return xs[i].Select((v, k) => v ^ zeta[k]).ToArray(); })];
        for (int i = 0; i < 3; i++)
        {
            int j = (i + 1) % 3;
            ulong[] zero = ZeroBits(i, "replicated and zero", words);
            ulong[] expected = [.. Enumerable.Range(0, words).Select(k => zero[k] ^ (xm[i][k] & (r[i].C[k] ^ r[j].C[k])) ^ (xm[j][k] & r[i].C[k]))];
            AssertShares(expected, r[i].Z, $"party {i}'s AND share");
        }
    }

    /// <summary>Every bit handle keeps the bits past its length zero in both components (the invariant the public
    /// constructor establishes and the bit operations rely on), whether it came from an input, a random draw, a replicated
    /// or additive AND or the conversion to replicated form; 70 bits leave 58 padding bits in the second word.</summary>
    [Fact]
    public async Task Bit_shares_keep_the_padding_past_their_length_clear()
    {
        const int bits = 70;
        ulong[] all = [ulong.MaxValue, ulong.MaxValue];
        var r = await RunAsync(async b =>
        {
            int me = b.PartyIndex;
            BitShareVector input = await b.InputBitsAsync(1, me == 1 ? new ulong[] { ulong.MaxValue, 0x3F } : default, bits);
            BitShareVector random = b.RandomBits(bits);
            BitShareVector and = await b.AndAsync(input, random);
            var additive = new BitShareVector(me, bits, all);
            BitShareVector mixed = await b.AndAsync(additive, random);
            BitShareVector replicated = await b.ToReplicatedAsync(additive);
            ulong[]? openedTo = await b.OpenBitsToAsync(random, 0, "test: random to 0");
            ulong[] opened = await b.OpenBitsAsync(mixed, "test: mixed");
            return new[] { input, random, and, mixed, replicated }
                .SelectMany(h => new[] { h.Words.ToArray(), ReplicatedBlackBox.CompanionOf(h) ?? [] })
                .Append(openedTo ?? []).Append(opened).ToArray();
        });
        const ulong padding = ~((1ul << (bits - 64)) - 1);
        for (int i = 0; i < 3; i++)
        {
            foreach (ulong[] words in r[i].Where(w => w.Length > 0))
            {
                Assert.Equal(2, words.Length);
                Assert.True((words[1] & padding) == 0, $"party {i}: padding bits set in {words[1]:X16}");
            }
        }
    }

    /// <summary>Refusals that happen at one party before anything is sent (round 6 survivors): the owner's value count,
    /// a foreign handle in the conversion to replicated form, mismatched grouped operands; and the description.</summary>
    [Fact]
    public async Task Local_refusals_name_the_parameter_before_anything_is_sent()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(Seed);
        ReplicatedBlackBox[] boxes = [.. sessions.Select(s => new ReplicatedBlackBox(s))];
        try
        {
            ReplicatedBlackBox b = boxes[0];
            long before = b.Cost.Rounds;
            var e = await Assert.ThrowsAsync<ArgumentException>(() => b.InputAsync(0, new uint[3], 4).AsTask());
            Assert.Equal("values", e.ParamName);
            Assert.Contains("exactly 4 values; got 3", e.Message, StringComparison.Ordinal);
            e = await Assert.ThrowsAsync<ArgumentException>(() => b.InputBitsAsync(0, new ulong[1], 65).AsTask());
            Assert.Equal("words", e.ParamName);
            Assert.Contains("exactly 2 words for 65 bits; got 1", e.Message, StringComparison.Ordinal);
            e = await Assert.ThrowsAsync<ArgumentException>(() => b.ToReplicatedAsync(new BitShareVector(1, 64, new ulong[1])).AsTask());
            Assert.Equal("x", e.ParamName);
            e = await Assert.ThrowsAsync<ArgumentException>(() => b.InnerProductPiecesAsync([(new ShareVector(0, new uint[4]), new ShareVector(0, new uint[6]), 2)], 4, CancellationToken.None).AsTask());
            Assert.Equal("y", e.ParamName);
            await Assert.ThrowsAnyAsync<ArgumentException>(() => b.InnerProductPiecesAsync([(new ShareVector(0, new uint[6]), new ShareVector(0, new uint[6]), 4)], 4, CancellationToken.None).AsTask());
            Assert.Equal(before, b.Cost.Rounds);
            Assert.Empty(b.Audit.Entries);
            Assert.Equal("ReplicatedBlackBox(party 0 of 3)", b.ToString());
            Assert.Equal("ReplicatedBlackBox(party 2 of 3)", boxes[2].ToString());
        }
        finally
        {
            await SeededSessions.DisposeAllAsync(boxes);
        }
    }

    /// <summary>The kernels write only their n outputs and refuse operands of other lengths: each operand is a slice of a
    /// longer array whose tail holds sentinels, at every vector width.</summary>
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void Kernels_stay_inside_their_operands(int width)
    {
        foreach (int n in new[] { 1, 8, 15, 16, 17, 40, 63 })
        {
            uint[][] raw = [.. Enumerable.Range(0, 5).Select(j => Values(n + 64, (uint)(j + 1)))];
            uint[] acc = (uint[])raw[4].Clone();
            ReplicatedBlackBox.CrossAccumulateRing(raw[0].AsSpan(0, n), raw[1].AsSpan(0, n), raw[2].AsSpan(0, n), raw[3].AsSpan(0, n), acc.AsSpan(0, n), width);
            Assert.Equal(raw[4].Skip(n), acc.Skip(n));
            uint dot = ReplicatedBlackBox.CrossDot(raw[0].AsSpan(0, n), raw[1].AsSpan(0, n), raw[2].AsSpan(0, n), raw[3].AsSpan(0, n), width);
            uint expected = 0;
            for (int k = 0; k < n; k++)
            {
                expected += (raw[0][k] * (raw[2][k] + raw[3][k])) + (raw[1][k] * raw[2][k]);
            }

            Assert.Equal(expected, dot);
            ulong[][] w = [.. Enumerable.Range(0, 5).Select(j => Words(n + 32, (ulong)j + 1))];
            ulong[] wacc = (ulong[])w[4].Clone();
            ReplicatedBlackBox.CrossAccumulateBits(w[0].AsSpan(0, n), w[1].AsSpan(0, n), w[2].AsSpan(0, n), w[3].AsSpan(0, n), wacc.AsSpan(0, n), width);
            Assert.Equal(w[4].Skip(n), wacc.Skip(n));
        }

        uint[] two = new uint[2], one = new uint[1];
        Assert.Throws<ArgumentException>(() => ReplicatedBlackBox.CrossDot(two, one, two, two, width));
        Assert.Throws<ArgumentException>(() => ReplicatedBlackBox.CrossDot(two, two, one, two, width));
        Assert.Throws<ArgumentException>(() => ReplicatedBlackBox.CrossDot(two, two, two, one, width));
    }

    // ------------------------------------------------------------------ costs and the audit round

    /// <summary>What <see cref="IArithmeticBlackBox.Cost"/> reports after each operation: the documented rounds, bytes
    /// and multiplication/AND counts (class remarks of <see cref="ReplicatedBlackBox"/>), and the round an opening is
    /// audited at is the round it ran in.</summary>
    [Fact]
    public async Task Each_operation_adds_its_documented_cost_and_openings_are_audited_at_their_round()
    {
        const int m = 10, rows = 4, len = 3, bits = 128;
        var r = await RunAsync(async b =>
        {
            int me = b.PartyIndex;
            var steps = new List<(string Step, SessionCost Delta)>();
            SessionCost last = b.Cost;
            void Step(string name)
            {
                SessionCost now = b.Cost;
                steps.Add((name, now - last));
                last = now;
            }

            ShareVector x = await b.InputAsync(0, me == 0 ? Values(m, 5) : default, m);
            Step("input");
            ShareVector y = await b.InputAsync(1, me == 1 ? Values(m, 6) : default, m);
            Step("input");
            ShareVector p = await b.MultiplyAsync(x, y);
            Step("multiply");
            ShareVector ip = await b.InnerProductAsync(ShareVector.Concat(x, x), ShareVector.Concat(y, y), 5);
            Step("inner product");
            _ = await b.MultiplyAsync(new ShareVector(me, Values(m, 7)), y);
            Step("multiply additive");
            _ = await b.MultiplyAsync(y, new ShareVector(me, Values(m, 8)));
            Step("multiply additive y");
            _ = await b.MultiplyAsync(new ShareVector(me, Values(m, 9)), new ShareVector(me, Values(m, 10)));
            Step("multiply both additive");
            BitShareVector u = await b.InputBitsAsync(2, me == 2 ? Words(2, 8) : default, bits);
            Step("bit input");
            _ = await b.AndAsync(u, u);
            Step("and");
            Assert.Same(u, await b.ToReplicatedAsync(u));
            Step("to replicated, already");
            _ = await b.ToReplicatedAsync(new BitShareVector(me, bits, Words(2, 12)));
            Step("to replicated");
            _ = await b.OpenAsync(p, "test: open");
            long openRound = b.Cost.Rounds;
            Step("open");
            _ = await b.OpenToAsync(ip, 2, "test: open to 2");
            long openToRound = b.Cost.Rounds;
            Step("open to");
            _ = await b.OpenAsync(new ShareVector(me, Values(rows * len, 9)), "test: additive open");
            Step("additive open");
            _ = await b.OpenToAsync(new ShareVector(me, Values(m, 11)), 0, "test: additive open to 0");
            Step("additive open to");
            AuditEntry[] audit = [.. b.Audit.Entries];
            return (Steps: steps, Audit: audit, OpenRound: openRound, OpenToRound: openToRound);
        });

        for (int i = 0; i < 3; i++)
        {
            var s = r[i].Steps.ToDictionary(t => t.Step + (t.Step == "input" ? r[i].Steps.FindIndex(u => u == t).ToString() : string.Empty), t => t.Delta);
            int prev0 = 2; // party 0's previous party

            // Inputs: one round; the owner sends 4 bytes per value to its previous party.
            Assert.Equal(new SessionCost(1, i == 0 ? 4 * m : 0, i == prev0 ? 4 * m : 0, 0, 0), s["input0"]);
            Assert.Equal(new SessionCost(1, i == 1 ? 4 * m : 0, i == 0 ? 4 * m : 0, 0, 0), s["input1"]);

            // Replicated product: one round, 4 bytes per product each way; m multiplications.
            Assert.Equal(new SessionCost(1, 4 * m, 4 * m, m, 0), s["multiply"]);

            // Inner products of 2m terms in rows of 5: 4 bytes per output (2m/5), 2m multiplications counted.
            Assert.Equal(new SessionCost(1, 4 * (2 * m / 5), 4 * (2 * m / 5), 2 * m, 0), s["inner product"]);

            // One additive operand: re-shared in the same round, 4 bytes per element.
            Assert.Equal(new SessionCost(1, 4 * m, 4 * m, m, 0), s["multiply additive"]);

            Assert.Equal(new SessionCost(1, 4 * m, 4 * m, m, 0), s["multiply additive y"]);
            Assert.Equal(new SessionCost(1, 8 * m, 8 * m, m, 0), s["multiply both additive"]);

            Assert.Equal(new SessionCost(1, i == 2 ? 16 : 0, i == 1 ? 16 : 0, 0, 0), s["bit input"]);

            // AND of 128 bits: 2 words (16 bytes) each way, 128 AND gates.
            Assert.Equal(new SessionCost(1, 16, 16, 0, bits), s["and"]);

            // A replicated bit handle is returned as it is; an additive one costs one round, one bit per bit.
            Assert.Equal(default, s["to replicated, already"]);
            Assert.Equal(new SessionCost(1, 16, 16, 0, 0), s["to replicated"]);

            // Opening a replicated value: 4 bytes per value to the next party.
            Assert.Equal(new SessionCost(1, 4 * m, 4 * m, 0, 0), s["open"]);

            // Opening to party 2: only party 1 (its previous party) sends, 4 bytes per value.
            Assert.Equal(new SessionCost(1, i == 1 ? 4 * (2 * m / 5) : 0, i == 2 ? 4 * (2 * m / 5) : 0, 0, 0), s["open to"]);

            // Opening an additive sharing: to both peers.
            Assert.Equal(new SessionCost(1, 8 * rows * len, 8 * rows * len, 0, 0), s["additive open"]);

            // Opening an additive sharing to party 0: both others send 4 bytes per value.
            Assert.Equal(new SessionCost(1, i == 0 ? 0 : 4 * m, i == 0 ? 8 * m : 0, 0, 0), s["additive open to"]);

            AuditEntry[] audit = r[i].Audit;
            Assert.Equal(4, audit.Length);
            Assert.Equal(("test: open", r[i].OpenRound, (int?)null, m), (audit[0].Label, audit[0].Round, audit[0].Recipient, audit[0].Length));
            Assert.Equal(("test: open to 2", r[i].OpenToRound, (int?)2, 2 * m / 5), (audit[1].Label, audit[1].Round, audit[1].Recipient, audit[1].Length));
            Assert.Equal(r[i].OpenToRound + 1, audit[2].Round);
            Assert.Equal((r[i].OpenToRound + 2, (int?)0), (audit[3].Round, audit[3].Recipient));
        }
    }

    // ------------------------------------------------------------------ longer than one chunk, against plaintext

    /// <summary>Inner products whose operands span several cache-sized blocks (4096 words): short rows (several rows per
    /// block), long rows (the fused per-piece path, ≥ 64 terms) and a row longer than a block, against plaintext.</summary>
    [Theory]
    [InlineData(3, 3001)]
    [InlineData(7, 1500)]
    [InlineData(40, 300)]
    [InlineData(100, 90)]
    [InlineData(5000, 3)]
    public async Task Inner_products_longer_than_a_chunk_match_plaintext(int length, int rows)
    {
        int n = length * rows;
        uint[] x = Values(n, 0x1234_5678), y = Values(n, 0x0BAD_F00D);
        uint[] expected = [.. Enumerable.Range(0, rows).Select(r => Enumerable.Range(r * length, length).Aggregate(0u, (acc, k) => acc + (x[k] * y[k])))];
        var opened = await RunAsync(async b =>
        {
            ShareVector sx = await b.InputAsync(0, b.PartyIndex == 0 ? x : default, n);
            ShareVector sy = await b.InputAsync(2, b.PartyIndex == 2 ? y : default, n);
            ShareVector replicated = await b.InnerProductAsync(sx, sy, length);

            // The same with an additive operand (the re-sharing path).
            ShareVector additive = await b.InnerProductAsync(new ShareVector(b.PartyIndex, b.PartyIndex == 0 ? x : new uint[n]), sy, length);
            return (await b.OpenAsync(replicated, "test: inner"), await b.OpenAsync(additive, "test: inner additive"));
        });
        foreach ((uint[] a, uint[] c) in opened)
        {
            Assert.Equal(expected, a);
            Assert.Equal(expected, c);
        }
    }

    /// <summary>The grouped inner products (the selection's column sums): groups of row lengths 1, 10 (in pieces of 4) and
    /// 200 (in pieces of 64, the fused path), one output per piece, against plaintext; and null for an operand without
    /// companion (the caller then takes the padded path).</summary>
    [Fact]
    public async Task Grouped_inner_product_pieces_match_plaintext()
    {
        (int Length, int Rows, int Piece)[] shapes = [(1, 5000, 4), (10, 500, 4), (200, 30, 64)];
        var results = new List<uint[]>();
        foreach ((int length, int rows, int piece) in shapes)
        {
            int n = length * rows;
            uint[] x = Values(n, (uint)length), y = Values(n, (uint)(length * 31));
            int pieces = (length + piece - 1) / piece;
            uint[] expected = new uint[rows * pieces];
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < length; k++)
                {
                    expected[(r * pieces) + (k / piece)] += x[(r * length) + k] * y[(r * length) + k];
                }
            }

            var r2 = await RunAsync(async b =>
            {
                ShareVector sx = await b.InputAsync(0, b.PartyIndex == 0 ? x : default, n);
                ShareVector sy = await b.InputAsync(1, b.PartyIndex == 1 ? y : default, n);
                ShareVector[]? parts = await b.InnerProductPiecesAsync([(sx, sy, length), (sx, sy, length)], piece, CancellationToken.None);
                ShareVector[]? none = await b.InnerProductPiecesAsync([(sx, sy, length), (new ShareVector(b.PartyIndex, new uint[n]), sy, length)], piece, CancellationToken.None);
                Assert.Null(none);
                Assert.NotNull(parts);
                Assert.Equal(2, parts.Length);
                return (await b.OpenAsync(parts[0], "test: g0"), await b.OpenAsync(parts[1], "test: g1"), b.Cost.Multiplications);
            });
            foreach ((uint[] g0, uint[] g1, long mults) in r2)
            {
                Assert.Equal(expected, g0);
                Assert.Equal(expected, g1);
                Assert.Equal(2L * n, mults);
            }
        }
    }
}
