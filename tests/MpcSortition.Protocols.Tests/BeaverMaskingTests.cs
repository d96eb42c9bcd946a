using System.Runtime.InteropServices;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The only values a multiplication or an AND reveals are the masked d = x − a, e = y − b (d = x ⊕ a, e = y ⊕ b). These
/// tests look at the messages a party actually receives and check that the opened d and e, and every single share of
/// them, are uniform whatever x and y are: for constant secrets (all zero, all ones) and, for independence, jointly with
/// a varying secret (the pair (high nibble of x, high nibble of d) over 256 cells). χ² at the 10^-6 quantile on 2^16
/// bytes or more per statistic; fixed pairwise seeds, so deterministic; a correct protocol on a random seed would fail
/// one of the 52 statistics with probability below 5.2·10^-5.
/// </summary>
public sealed class BeaverMaskingTests
{
    private const int M = 16_384;

    public static TheoryData<uint> Secrets => new() { 0u, uint.MaxValue, 0x8000_0001u };

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task The_opened_d_and_e_of_a_multiplication_are_uniform_whatever_the_secrets(uint secret)
    {
        uint[] x = Enumerable.Repeat(secret, M).ToArray();
        uint[] y = Enumerable.Repeat(~secret, M).ToArray();
        (uint[][] dShares, uint[][] eShares, uint[] product) = await MultiplyAndWatchAsync(x, y, seed: 30);
        Assert.Equal(Parties.Product(x, y), product);
        uint[] d = Sum(dShares), e = Sum(eShares);
        ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(d.AsSpan()), $"opened d for x = {secret:X8}");
        ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(e.AsSpan()), $"opened e for y = {~secret:X8}");
        for (int p = 0; p < 3; p++)
        {
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(dShares[p].AsSpan()), $"party {p}'s share of d");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(eShares[p].AsSpan()), $"party {p}'s share of e");
        }
    }

    [Fact]
    public async Task The_opened_d_of_a_multiplication_is_independent_of_x()
    {
        using var prg = new AesCtrPrg(Enumerable.Repeat((byte)31, 16).ToArray());
        var x = new uint[4 * M];
        var y = new uint[4 * M];
        prg.Fill(x);
        prg.Fill(y);
        (uint[][] dShares, uint[][] eShares, _) = await MultiplyAndWatchAsync(x, y, seed: 31);
        uint[] d = Sum(dShares), e = Sum(eShares);

        // One byte per element: high nibble of the secret, high nibble of the opened value. Uniform over the 256 cells
        // means independent (and each uniform). d = x would put everything on the diagonal.
        byte[] jointX = x.Zip(d, (s, o) => (byte)(((s >> 28) << 4) | (o >> 28))).ToArray();
        byte[] jointY = y.Zip(e, (s, o) => (byte)(((s >> 28) << 4) | (o >> 28))).ToArray();
        ByteUniformity.AssertUniform(jointX, "(x, d) high nibbles");
        ByteUniformity.AssertUniform(jointY, "(y, e) high nibbles");
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(0x5555_5555_5555_5555UL)]
    public async Task The_opened_d_and_e_of_an_AND_are_uniform_whatever_the_secret_bits(ulong secret)
    {
        ulong[] x = Enumerable.Repeat(secret, M).ToArray();
        ulong[] y = Enumerable.Repeat(~secret, M).ToArray();
        (ulong[][] dShares, ulong[][] eShares, ulong[] and) = await AndAndWatchAsync(x, y, seed: 32);
        Assert.All(and, w => Assert.Equal(0UL, w));
        ulong[] d = Xor(dShares), e = Xor(eShares);
        ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(d.AsSpan()), $"opened d for x = {secret:X16}");
        ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(e.AsSpan()), $"opened e for y = {~secret:X16}");
        for (int p = 0; p < 3; p++)
        {
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(dShares[p].AsSpan()), $"party {p}'s share of d");
            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(eShares[p].AsSpan()), $"party {p}'s share of e");
        }
    }

    [Fact]
    public async Task The_opened_d_of_an_AND_is_independent_of_x()
    {
        using var prg = new AesCtrPrg(Enumerable.Repeat((byte)33, 16).ToArray());
        var x = new ulong[M];
        var y = new ulong[M];
        prg.Fill(x);
        prg.Fill(y);
        (ulong[][] dShares, ulong[][] eShares, ulong[] and) = await AndAndWatchAsync(x, y, seed: 33);
        Assert.Equal(x.Zip(y, (u, v) => u & v), and);
        ulong[] d = Xor(dShares), e = Xor(eShares);

        // Four secret bits and the four opened bits at the same positions, per nibble: 16 cells per word, 2^18 samples.
        byte[] jointX = Nibbles(x, d), jointY = Nibbles(y, e);
        ByteUniformity.AssertUniform(jointX, "(x, d) nibbles");
        ByteUniformity.AssertUniform(jointY, "(y, e) nibbles");
    }

    private static byte[] Nibbles(ulong[] secret, ulong[] opened)
    {
        var result = new byte[secret.Length * 16];
        for (int k = 0; k < secret.Length; k++)
        {
            for (int n = 0; n < 16; n++)
            {
                result[(16 * k) + n] = (byte)((((secret[k] >> (4 * n)) & 0xF) << 4) | ((opened[k] >> (4 * n)) & 0xF));
            }
        }

        return result;
    }

    /// <summary>Deals x and y, multiplies, and returns every party's share of d and e as sent on the wire, and the product.</summary>
    private static async Task<(uint[][] D, uint[][] E, uint[] Product)> MultiplyAndWatchAsync(uint[] x, uint[] y, byte seed)
    {
        int m = x.Length;
        (PartySession[] sessions, SeededTransport[] transports) = await SeededSessions.EstablishAsync(seed);
        using var dealer = new AesCtrPrg(Enumerable.Repeat(seed, 16).ToArray());
        ShareVector[] xs = Parties.Deal(x, 3, dealer), ys = Parties.Deal(y, 3, dealer);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        uint[][] products = await Task.WhenAll(boxes.Select(async abb =>
        {
            ShareVector z = await abb.MultiplyAsync(abb.FromShares(xs[abb.PartyIndex].Values), abb.FromShares(ys[abb.PartyIndex].Values));
            return await abb.OpenAsync(z, "test: product");
        }));
        var d = new uint[3][];
        var e = new uint[3][];
        for (int p = 0; p < 3; p++)
        {
            // Party p's message as received by the next party: d_p then e_p.
            byte[] message = transports[(p + 1) % 3].Received.Single(r => r.Peer == p && r.Payload.Length == 8 * m).Payload;
            uint[] words = MemoryMarshal.Cast<byte, uint>(message).ToArray();
            (d[p], e[p]) = (words[..m], words[m..]);
        }

        await SeededSessions.DisposeAllAsync(boxes);
        return (d, e, products[0]);
    }

    private static async Task<(ulong[][] D, ulong[][] E, ulong[] And)> AndAndWatchAsync(ulong[] x, ulong[] y, byte seed)
    {
        int m = x.Length;
        (PartySession[] sessions, SeededTransport[] transports) = await SeededSessions.EstablishAsync(seed);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        ulong[][] results = await Task.WhenAll(boxes.Select(async abb =>
        {
            BitShareVector sx = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? x : default, 64 * m);
            BitShareVector sy = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? y : default, 64 * m);
            BitShareVector z = await abb.AndAsync(sx, sy);
            return await abb.OpenBitsAsync(z, "test: and");
        }));
        var d = new ulong[3][];
        var e = new ulong[3][];
        for (int p = 0; p < 3; p++)
        {
            byte[] message = transports[(p + 1) % 3].Received.Single(r => r.Peer == p && r.Payload.Length == 16 * m).Payload;
            ulong[] words = MemoryMarshal.Cast<byte, ulong>(message).ToArray();
            (d[p], e[p]) = (words[..m], words[m..]);
        }

        await SeededSessions.DisposeAllAsync(boxes);
        return (d, e, results[0]);
    }

    private static uint[] Sum(uint[][] shares) => shares[0].Select((v, k) => v + shares[1][k] + shares[2][k]).ToArray();

    private static ulong[] Xor(ulong[][] shares) => shares[0].Select((v, k) => v ^ shares[1][k] ^ shares[2][k]).ToArray();
}
