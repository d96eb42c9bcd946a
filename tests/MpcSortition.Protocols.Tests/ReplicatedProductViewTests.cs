using System.Runtime.InteropServices;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The replicated engine's product of two replicated values: party i computes its share
/// z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i + α_i, where α is a zero sharing from the pairwise streams, and sends it to
/// party i − 1, which then holds z_{i-1} and z_i. Party i − 1 already knows x_i and y_i, so without α it would receive
/// x_i·y_{i+1} + x_{i+1}·y_i in the clear: products of its known components with the component it does not hold, from
/// which the secrets follow. The products stay correct without α (it sums to zero), so only a view test sees it.
/// </summary>
/// <remarks>
/// The test gives the attacker (party i − 1) the secrets as well, so it can compute exactly what the message would be
/// without α; the difference from what it receives must be uniform. The sessions are seeded
/// (<see cref="SeededSessions"/>), so the χ² tests are deterministic; the bound is the 10^-6 quantile (18 statistics: ≤ 1.8·10^-5 for the class).
/// </remarks>
public sealed class ReplicatedProductViewTests
{
    private const int M = 4096;

    private const int W = 1024; // words of bits: 65 536 bits

    private sealed record PartyView(uint[] X, uint[] XNext, uint[] Y, uint[] YNext, uint[] Z, uint[] Product,
        ulong[] A, ulong[] ANext, ulong[] B, ulong[] BNext, ulong[] AndMessage, ulong[] And);

    private static T[] Words<T>(byte[] payload)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(payload).ToArray();

    private static async Task<PartyView[]> RunAsync(uint[] x, uint[] y, ulong[] a, ulong[] b)
    {
        var transports = new SeededTransport?[3];
        return await EngineTests.RunAsync(
            BlackBoxEngine.Replicated,
            async abb =>
            {
                int me = abb.PartyIndex, next = (me + 1) % 3;
                SeededTransport t = transports[me]!;
                ShareVector sx = await abb.InputAsync(0, me == 0 ? x : default, M);
                ShareVector sy = await abb.InputAsync(1, me == 1 ? y : default, M);
                BitShareVector sa = await abb.InputBitsAsync(2, me == 2 ? a : default, 64 * a.Length);
                BitShareVector sb = await abb.InputBitsAsync(0, me == 0 ? b : default, 64 * b.Length);

                int before = t.Received.Count;
                ShareVector product = await abb.MultiplyAsync(sx, sy);
                var zMessages = t.Received.Skip(before).ToArray();
                before = t.Received.Count;
                BitShareVector and = await abb.AndAsync(sa, sb);
                var andMessages = t.Received.Skip(before).ToArray();

                // One message in the round, from the next party.
                Assert.Equal(next, Assert.Single(zMessages).Peer);
                Assert.Equal(next, Assert.Single(andMessages).Peer);
                uint[] opened = await abb.OpenAsync(product, "test: product");
                ulong[] andOpened = await abb.OpenBitsAsync(and, "test: and");
                return new PartyView(
                    sx.Values.ToArray(), ReplicatedBlackBox.CompanionOf(sx)!, sy.Values.ToArray(), ReplicatedBlackBox.CompanionOf(sy)!,
                    Words<uint>(zMessages[0].Payload), opened,
                    sa.Words.ToArray(), ReplicatedBlackBox.CompanionOf(sa)!, sb.Words.ToArray(), ReplicatedBlackBox.CompanionOf(sb)!,
                    Words<ulong>(andMessages[0].Payload), andOpened);
            },
            t =>
            {
                var s = new SeededTransport(t, 41);
                transports[t.PartyIndex] = s;
                return s;
            });
    }

    public static TheoryData<string> Secrets => new("zero", "ones", "pattern");

    private static (uint[] X, uint[] Y, ulong[] A, ulong[] B) Secret(string kind) => kind switch
    {
        "zero" => (new uint[M], new uint[M], new ulong[W], new ulong[W]),
        "ones" => (Enumerable.Repeat(uint.MaxValue, M).ToArray(), Enumerable.Repeat(uint.MaxValue, M).ToArray(),
            Enumerable.Repeat(ulong.MaxValue, W).ToArray(), Enumerable.Repeat(ulong.MaxValue, W).ToArray()),
        _ => (Enumerable.Range(0, M).Select(i => (uint)i * 0x9E37_79B9u).ToArray(), Enumerable.Range(0, M).Select(i => (uint)(i % 7)).ToArray(),
            Enumerable.Range(0, W).Select(i => 0x5555_AAAA_0F0F_F0F0UL ^ (ulong)i).ToArray(), Enumerable.Range(0, W).Select(i => (ulong)i << 3).ToArray()),
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task The_share_of_a_product_sent_to_the_previous_party_is_masked_by_the_zero_sharing(string kind)
    {
        (uint[] x, uint[] y, ulong[] a, ulong[] b) = Secret(kind);
        PartyView[] views = await RunAsync(x, y, a, b);

        // The products are right (the masks cancel).
        Assert.All(views, v => Assert.Equal(Parties.Product(x, y), v.Product));
        Assert.All(views, v => Assert.Equal(a.Zip(b, (u, w) => u & w).ToArray(), v.And));

        for (int receiver = 0; receiver < 3; receiver++)
        {
            // The receiver r holds components r and r+1; the sender s = r+1 holds s and s+1 = r+2, sent its z_s.
            PartyView r = views[receiver];
            var error = new uint[M];
            for (int k = 0; k < M; k++)
            {
                uint xs = r.XNext[k], ys = r.YNext[k];                                      // components s, known to r
                uint xt = unchecked(x[k] - r.X[k] - xs), yt = unchecked(y[k] - r.Y[k] - ys); // components s+1, from the secrets
                uint unmasked = unchecked((xs * ys) + (xs * yt) + (xt * ys));
                error[k] = unchecked(r.Z[k] - unmasked);
            }

            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(error.AsSpan()), $"party {receiver}: received product share minus its unmasked value ({kind})");

            var andError = new ulong[W];
            for (int k = 0; k < W; k++)
            {
                ulong xs = r.ANext[k], ys = r.BNext[k];
                ulong xt = a[k] ^ r.A[k] ^ xs, yt = b[k] ^ r.B[k] ^ ys;
                andError[k] = r.AndMessage[k] ^ (xs & ys) ^ (xs & yt) ^ (xt & ys);
            }

            ByteUniformity.AssertUniform(MemoryMarshal.AsBytes(andError.AsSpan()), $"party {receiver}: received AND share minus its unmasked value ({kind})");
        }
    }
}
