using System.Runtime.InteropServices;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// What party i can compute of party i+1's triple shares from the streams the two share. In the replicated
/// construction party i knows the components a_{i+1}, b_{i+1} and party i+1's half of the zero sharing of c, so
/// without the re-randomisation of a and b (and the zero-sharing mask of c) it would know party i+1's shares. These
/// tests take the best guess party i can make of each share and check that the error of the guess is uniform: a
/// χ² test over 256 byte values on 2^17 bytes (AND) or 2^16 (arithmetic) per component, bound at the 10^-6 quantile.
/// Sessions use fixed pairwise seeds (<see cref="SeededSessions"/>), so the tests are deterministic; for a random seed
/// a correct source would fail one of the 21 statistics with probability below 2.1·10^-5.
/// </summary>
public sealed class TripleViewTests
{
    private const int AndWords = 16_384;     // 2^17 bytes per component; four chunks of the source's 4 096 words
    private const int BeaverWords = 16_384;  // 2^16 bytes per component; two chunks of 8 192 values

    [Fact]
    public async Task Party_i_cannot_guess_any_bit_of_the_next_partys_AND_triple_shares()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 18);
        for (int i = 0; i < 3; i++)
        {
            int next = (i + 1) % 3;
            var a = new ulong[AndWords];
            var b = new ulong[AndWords];
            var c = new ulong[AndWords];
            using (var source = new ReplicatedTripleSource(sessions[next]))
            {
                source.FillAndTriples(a, b, c);
            }

            // Party i's guesses: the next party's own components a_{i+1}, b_{i+1} (expanded from the seed the two share)
            // and its half of the zero sharing that masks c.
            ulong[] knownA = Stream(sessions[i], next, "and a"), knownB = Stream(sessions[i], next, "and b"), knownZ = Stream(sessions[i], next, "and zero");
            var errA = new ulong[AndWords];
            var errB = new ulong[AndWords];
            var errC = new ulong[AndWords];
            for (int k = 0; k < AndWords; k++)
            {
                errA[k] = a[k] ^ knownA[k];
                errB[k] = b[k] ^ knownB[k];

                // c_{i+1} = a_{i+1}b_{i+1} ⊕ a_{i+1}b_{i+2} ⊕ a_{i+2}b_{i+1} ⊕ z_{i+1}; without the mask the error of this guess
                // is 0 wherever a_{i+1} = b_{i+1} = 0 (a quarter of the bits).
                errC[k] = c[k] ^ knownZ[k] ^ (knownA[k] & knownB[k]);
            }

            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errA.AsSpan()), $"party {i}'s guess of party {next}'s AND share of a");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errB.AsSpan()), $"party {i}'s guess of party {next}'s AND share of b");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errC.AsSpan()), $"party {i}'s guess of party {next}'s AND share of c");

            // And the shares themselves are not constant: the test would otherwise pass on all-zero triples.
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(a.AsSpan()), $"party {next}'s AND share of a");
        }

        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task Party_i_cannot_guess_the_next_partys_Beaver_triple_shares()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 19);
        for (int i = 0; i < 3; i++)
        {
            int next = (i + 1) % 3;
            var a = new uint[BeaverWords];
            var b = new uint[BeaverWords];
            var c = new uint[BeaverWords];
            using (var source = new ReplicatedTripleSource(sessions[next]))
            {
                source.FillBeaverTriples(a, b, c);
            }

            uint[] knownA = Stream32(sessions[i], next, "beaver a"), knownB = Stream32(sessions[i], next, "beaver b"), knownZ = Stream32(sessions[i], next, "beaver zero");
            var errA = new uint[BeaverWords];
            var errB = new uint[BeaverWords];
            var errC = new uint[BeaverWords];
            for (int k = 0; k < BeaverWords; k++)
            {
                errA[k] = a[k] - knownA[k];
                errB[k] = b[k] - knownB[k];

                // Without the mask, c_{i+1} + F(k_{i,i+1}) − a_{i+1}b_{i+1} = a_{i+1}b_{i+2} + a_{i+2}b_{i+1}: a sum of
                // products, even three times in four.
                errC[k] = c[k] + knownZ[k] - (knownA[k] * knownB[k]);
            }

            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errA.AsSpan()), $"party {i}'s guess of party {next}'s share of a");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errB.AsSpan()), $"party {i}'s guess of party {next}'s share of b");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(errC.AsSpan()), $"party {i}'s guess of party {next}'s share of c");
        }

        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4_095)]
    [InlineData(4_096)]
    [InlineData(4_097)]
    [InlineData(8_192)]
    [InlineData(8_193)]
    [InlineData(3 * 8_192 + 5)]
    public async Task Triples_are_correct_on_both_sides_of_every_chunk_edge(int m)
    {
        // The source works in chunks of 8 192 arithmetic or 4 096 boolean triples, reusing its scratch buffers; every
        // element of every chunk must satisfy c = a·b (c = a ∧ b). Two calls in a row also continue the streams.
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 20);
        var a = new uint[3][];
        var b = new uint[3][];
        var c = new uint[3][];
        var x = new ulong[3][];
        var y = new ulong[3][];
        var z = new ulong[3][];
        for (int p = 0; p < 3; p++)
        {
            using var source = new ReplicatedTripleSource(sessions[p]);
            (a[p], b[p], c[p]) = (new uint[m + 3], new uint[m + 3], new uint[m + 3]);
            (x[p], y[p], z[p]) = (new ulong[m + 3], new ulong[m + 3], new ulong[m + 3]);
            source.FillBeaverTriples(a[p].AsSpan(0, m), b[p].AsSpan(0, m), c[p].AsSpan(0, m));
            source.FillBeaverTriples(a[p].AsSpan(m), b[p].AsSpan(m), c[p].AsSpan(m));
            source.FillAndTriples(x[p].AsSpan(0, m), y[p].AsSpan(0, m), z[p].AsSpan(0, m));
            source.FillAndTriples(x[p].AsSpan(m), y[p].AsSpan(m), z[p].AsSpan(m));
        }

        for (int k = 0; k < m + 3; k++)
        {
            uint sa = a[0][k] + a[1][k] + a[2][k], sb = b[0][k] + b[1][k] + b[2][k], sc = c[0][k] + c[1][k] + c[2][k];
            Assert.True(sa * sb == sc, $"arithmetic triple {k} of {m}+3: a·b = {sa * sb}, c = {sc}");
            ulong xa = x[0][k] ^ x[1][k] ^ x[2][k], xb = y[0][k] ^ y[1][k] ^ y[2][k], xc = z[0][k] ^ z[1][k] ^ z[2][k];
            Assert.True((xa & xb) == xc, $"AND triple word {k} of {m}+3: a∧b = {xa & xb:X16}, c = {xc:X16}");
        }

        // The second call did not repeat the first: a triple used twice would leak x − x'.
        Assert.NotEqual(a[0][0], a[0][m]);
        Assert.NotEqual(x[0][0], x[0][m]);
        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task Unequal_span_lengths_are_refused()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 21);
        using var source = new ReplicatedTripleSource(sessions[0]);
        Assert.Throws<ArgumentException>(() => source.FillBeaverTriples(new uint[3], new uint[2], new uint[3]));
        Assert.Throws<ArgumentException>(() => source.FillBeaverTriples(new uint[3], new uint[3], new uint[4]));
        Assert.Throws<ArgumentException>(() => source.FillAndTriples(new ulong[1], new ulong[1], new ulong[2]));
        Assert.Throws<ArgumentException>(() => source.FillAndTriples(new ulong[2], new ulong[1], new ulong[2]));
        Assert.Equal("ReplicatedTripleSource(3 parties, dealer-free)", source.ToString());
        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task The_first_triples_from_fixed_seeds_are_the_known_answers()
    {
        // Computed outside .NET (Python hmac/hashlib for HKDF-SHA-256, `openssl enc -aes-128-ecb` for the AES-CTR
        // keystream) from the construction in the source's remarks: pair key = HKDF-Extract("MpcSortition pairwise seed
        // v1", low ‖ high contribution), stream seed = HKDF-Expand(key, "MpcSortition stream: <ring> <purpose>", 16);
        // party 0's first triple a = a_0 + Fa1 − Fa0 (refresh), b likewise, c = z + a_0(b_0 + b_1) + a_1 b_0. It pins the
        // stream labels and order, which make the triples bit-identical to the original per-ring code.
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 23);
        using var source = new ReplicatedTripleSource(sessions[0]);
        var a = new uint[1];
        var b = new uint[1];
        var c = new uint[1];
        var x = new ulong[1];
        var y = new ulong[1];
        var z = new ulong[1];
        source.FillBeaverTriples(a, b, c);
        source.FillAndTriples(x, y, z);
        Assert.Equal((0x89f9862cu, 0xf4ca7b31u, 0x1fc99768u), (a[0], b[0], c[0]));
        Assert.Equal((0x0cf2fda56ed17e39UL, 0xffd41d7b5b2e3eb5UL, 0x39285f5b6944717bUL), (x[0], y[0], z[0]));
        await SeededSessions.DisposeAllAsync(sessions);
    }

    [Fact]
    public async Task A_disposed_source_draws_no_more_triples_and_a_missing_session_is_refused()
    {
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => new ReplicatedTripleSource(null!)).ParamName);
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 22);
        var source = new ReplicatedTripleSource(sessions[1]);
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.FillBeaverTriples(new uint[1], new uint[1], new uint[1]));
        Assert.Throws<ObjectDisposedException>(() => source.FillAndTriples(new ulong[1], new ulong[1], new ulong[1]));
        await SeededSessions.DisposeAllAsync(sessions);
    }

    private static ulong[] Stream(PartySession session, int peer, string purpose)
    {
        var words = new ulong[AndWords];
        using AesCtrPrg prg = session.CreatePairStream(peer, purpose);
        prg.Fill(words);
        return words;
    }

    private static uint[] Stream32(PartySession session, int peer, string purpose)
    {
        var words = new uint[BeaverWords];
        using AesCtrPrg prg = session.CreatePairStream(peer, purpose);
        prg.Fill(words);
        return words;
    }
}
