using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// What a party receives during a comparison, an equality test, a bit extraction, a B2A or an argmax when the operand
/// arrives as a lopsided sharing — the whole secret in one party's share, (x, 0, 0), (0, x, 0) or (0, 0, x) — must not
/// depend on the secret.
/// </summary>
/// <remarks>
/// <para>The circuits treat each party's own share as a trivially shared input, so the operands of their AND gates
/// are, at party j, plain functions of party j's share. The Beaver engine opens d_j = u_j ⊕ a_j of those operands. The
/// <see cref="ICorrelatedRandomness"/> contract only promises that a and b are unknown to any single party; a source
/// in which party i also knows party i + 1's shares a_{i+1}, b_{i+1} (the replicated triples of
/// <see cref="ReplicatedTripleSource"/> without its re-randomisation step) meets it. Against such a source party i
/// reads u_{i+1} off every message of party i + 1, so the toolkit re-randomises every operand with a fresh zero sharing
/// first (<c>RefreshAsync</c>/<c>RefreshBitsAsync</c> in ObliviousToolkit). Without that refresh, party i reads party
/// i + 1's share of the secret — on a lopsided sharing, the secret itself.</para>
/// <para>The "neighbour-known" case below plays that party: it strips the known triple shares from every message of the
/// next party and compares what is left for the secret 0 and for a periodic secret (2^32 − 1, 0xAAAAAAAA, 0x55555555,
/// 0, repeated). The comparison is a two-sample χ² test of homogeneity of the byte histograms (255 degrees of freedom,
/// bound at the 10^-6 quantile): the views' byte distributions must be the same for both secrets. The two other cases
/// check the views as received with the default triples (Beaver engine) and on the replicated engine, where the
/// toolkit skips its refresh because the engine re-randomises an additive operand itself before sending it. Every
/// party's view is checked, the owner's included. Sessions and triples are seeded, so every statistic is
/// deterministic; for random seeds a correct protocol would fail one of the 243 statistics (3 sources × 9 operations ×
/// 3 owners × 3 parties) with probability below 2.5·10^-4.</para>
/// <para>Checked by hand (docs/testing.md): with both refreshes removed every neighbour-known case fails (χ² 700 to
/// 13 700 against the bound 377); with the replicated engine's own re-randomisation removed every replicated-engine
/// case fails; with the code as it is the 216 statistics of the first version averaged 258 (255 expected) with a
/// maximum of 328.</para>
/// </remarks>
public sealed class ComparisonRefreshViewTests
{
    private const int M = 2048; // elements per operation, a multiple of 64 (no padding bits in the planes)

    private const int Group = 4; // argmax / argmin group length

    /// <summary>
    /// Triples that every party expands from one shared seed, so the test (and, in the threat it models, party i for
    /// party i + 1's shares) knows every component. Valid triples: a and b uniform, Σc = Σa·Σb, and a party alone does
    /// not know Σa. Records this party's a and b shares in the order they were drawn.
    /// </summary>
    private sealed class NeighbourKnownTriples(byte seed, int me) : ICorrelatedRandomness, IDisposable
    {
        private readonly AesCtrPrg _prg = new(SHA256.HashData([seed, 0x7A])[..16]);

        public List<(bool Bits, byte[] A, byte[] B)> Drawn { get; } = [];

        public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c)
        {
            int n = a.Length;
            uint[][] all = Enumerable.Range(0, 8).Select(_ => new uint[n]).ToArray(); // a0 a1 a2 b0 b1 b2 c1 c2
            foreach (uint[] part in all)
            {
                _prg.Fill(part);
            }

            for (int k = 0; k < n; k++)
            {
                uint product = (all[0][k] + all[1][k] + all[2][k]) * (all[3][k] + all[4][k] + all[5][k]);
                uint[] cs = [product - all[6][k] - all[7][k], all[6][k], all[7][k]];
                a[k] = all[me][k];
                b[k] = all[3 + me][k];
                c[k] = cs[me];
            }

            Drawn.Add((false, MemoryMarshal.AsBytes(a).ToArray(), MemoryMarshal.AsBytes(b).ToArray()));
        }

        public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c)
        {
            int n = a.Length;
            ulong[][] all = Enumerable.Range(0, 8).Select(_ => new ulong[n]).ToArray();
            foreach (ulong[] part in all)
            {
                _prg.Fill(part);
            }

            for (int k = 0; k < n; k++)
            {
                ulong product = (all[0][k] ^ all[1][k] ^ all[2][k]) & (all[3][k] ^ all[4][k] ^ all[5][k]);
                ulong[] cs = [product ^ all[6][k] ^ all[7][k], all[6][k], all[7][k]];
                a[k] = all[me][k];
                b[k] = all[3 + me][k];
                c[k] = cs[me];
            }

            Drawn.Add((true, MemoryMarshal.AsBytes(a).ToArray(), MemoryMarshal.AsBytes(b).ToArray()));
        }

        public void Dispose() => _prg.Dispose();
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string source in new[] { "neighbour-known triples", "default triples", "replicated engine" })
        {
            foreach (string op in Operations)
            {
                data.Add(source, op);
            }
        }

        return data;
    }

    private static readonly string[] Operations =
        ["less than public", "less than signed", "sign of difference", "is negative", "equal public", "to bits", "to arithmetic", "argmax", "argmin sign of difference"];

    private static readonly uint[] Pattern = Enumerable.Range(0, M).Select(i => (uint)i * 0x9E37_79B9u).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task What_a_party_receives_does_not_depend_on_a_lopsided_secret(string source, string op)
    {
        for (int owner = 0; owner < 3; owner++)
        {
            byte[][] zero = await ViewsAsync(source, op, owner, Secret.Zero, seed: (byte)(60 + owner));
            byte[][] periodic = await ViewsAsync(source, op, owner, Secret.Periodic, seed: (byte)(70 + owner));
            byte[][] varied = await ViewsAsync(source, op, owner, Secret.Pattern, seed: (byte)(80 + owner));
            for (int p = 0; p < 3; p++)
            {
                // The same public program: the same number of bytes, and a substantial view.
                Assert.Equal(zero[p].Length, periodic[p].Length);
                Assert.Equal(zero[p].Length, varied[p].Length);
                Assert.True(zero[p].Length >= M, $"party {p} received only {zero[p].Length} bytes");
                bool[] keep = FirstCopies(varied[p]);
                double chi = Homogeneity(Kept(zero[p], keep), Kept(periodic[p], keep));
                Assert.True(
                    chi < ByteUniformity.Critical(),
                    $"{source}, {op}, secret held by party {owner}: party {p}'s view differs between the secret 0 and a periodic one (two-sample χ² = {chi:F1} over 255 degrees of freedom, 10^-6 bound {ByteUniformity.Critical():F1})");
            }
        }
    }

    private enum Secret
    {
        Zero,
        Periodic,
        Pattern,
    }

    private const int Chunk = 64; // bytes; every plane (a multiple of 8 words here) and every B2A message is made of whole chunks

    /// <summary>
    /// The circuits feed one plane into several AND gates (a propagate bit into two, a block's generate into all gates
    /// of the next block), so a view holds exact copies, which would make the χ² statistic larger than its
    /// distribution says. Copies are found in a run with a varying secret (where no two secret-dependent chunks
    /// coincide) and only the first of each kept; the same positions are then compared in the runs with constant
    /// secrets, where a leak would show as copies of 0x00 and 0xFF.
    /// </summary>
    private static bool[] FirstCopies(byte[] view)
    {
        var seen = new HashSet<string>();
        var keep = new bool[view.Length / Chunk];
        for (int c = 0; c < keep.Length; c++)
        {
            keep[c] = seen.Add(Convert.ToBase64String(view, c * Chunk, Chunk));
        }

        return keep;
    }

    private static byte[] Kept(byte[] view, bool[] keep) =>
        Enumerable.Range(0, keep.Length).Where(c => keep[c]).SelectMany(c => view.Skip(c * Chunk).Take(Chunk)).ToArray();

    /// <summary>The two-sample χ² statistic of homogeneity of two byte histograms of the same size.</summary>
    private static double Homogeneity(byte[] a, byte[] b)
    {
        var ca = new long[256];
        var cb = new long[256];
        foreach (byte x in a)
        {
            ca[x]++;
        }

        foreach (byte x in b)
        {
            cb[x]++;
        }

        double chi = 0;
        for (int v = 0; v < 256; v++)
        {
            long total = ca[v] + cb[v];
            if (total > 0)
            {
                chi += (double)(ca[v] - cb[v]) * (ca[v] - cb[v]) / total;
            }
        }

        return chi;
    }

    /// <summary>Runs one operation on a lopsided sharing held by <paramref name="owner"/> and returns each party's view:
    /// the bytes it received during the operation, with the next party's triple shares removed in the neighbour-known
    /// case. Also checks the opened result against the plaintext.</summary>
    private static async Task<byte[][]> ViewsAsync(string source, string op, int owner, Secret kind, byte seed)
    {
        (PartySession[] sessions, SeededTransport[] transports) = await SeededSessions.EstablishAsync(seed);
        NeighbourKnownTriples[]? triples = source == "neighbour-known triples"
            ? Enumerable.Range(0, 3).Select(p => new NeighbourKnownTriples(seed, p)).ToArray()
            : null;
        IArithmeticBlackBox[] boxes = sessions.Select(s => source == "replicated engine"
            ? (IArithmeticBlackBox)new ReplicatedBlackBox(s)
            : new SemiHonestBlackBox(s, triples?[s.PartyIndex])).ToArray();
        var during = new (int Peer, byte[] Payload)[3][];
        uint[] secret = kind switch
        {
            Secret.Zero => new uint[M],
            // 2^32 − 1, 0xAAAAAAAA, 0x55555555, 0 cycling with the group length, so that the differences within a group
            // (what the pairwise comparisons of argmax/argmin refresh) are not all 0 either.
            Secret.Periodic => Enumerable.Range(0, M).Select(i => ~((uint)(i % Group) * 0x5555_5555u)).ToArray(),
            _ => Enumerable.Range(0, M).Select(i => ((uint)i * 0x85EB_CA6Bu) ^ 0x5BD1_E995u).ToArray(),
        };
        uint[][] results = await Task.WhenAll(boxes.Select(abb =>
        {
            // The view: what this party received after the set-up exchange and before the result is opened.
            SeededTransport t = transports[abb.PartyIndex];
            int setup = t.Received.Count;
            Assert.All(t.Received, r => Assert.Equal(48, r.Payload.Length));
            return RunAsync(abb, op, owner, secret, () => during[abb.PartyIndex] = t.Received.Skip(setup).ToArray());
        }));

        uint[] expected = Expected(op, secret);
        Assert.All(results, r => Assert.Equal(expected, r));

        var views = new byte[3][];
        for (int p = 0; p < 3; p++)
        {
            int next = (p + 1) % 3;
            var view = new List<byte>();
            int k = 0;
            // Messages from the two peers interleave in any order; the view takes the next party's first, each in order.
            foreach ((int peer, byte[] payload) in during[p].Where(r => r.Peer == next).Concat(during[p].Where(r => r.Peer != next)))
            {
                if (triples is not null && peer == next)
                {
                    // Party p knows party p + 1's triple shares: what is left of d ‖ e is party p + 1's operand shares.
                    (bool bits, byte[] a, byte[] b) = triples[next].Drawn[k++];
                    Assert.Equal(a.Length + b.Length, payload.Length);
                    view.AddRange(Strip(payload, [.. a, .. b], bits));
                }
                else
                {
                    view.AddRange(payload);
                }
            }

            if (triples is not null)
            {
                Assert.Equal(triples[next].Drawn.Count, k); // every Beaver round of party p + 1 was seen
            }

            views[p] = [.. view];
        }

        foreach (IArithmeticBlackBox abb in boxes)
        {
            await abb.DisposeAsync();
        }

        if (triples is not null)
        {
            foreach (NeighbourKnownTriples t in triples)
            {
                t.Dispose();
            }
        }

        return views;
    }

    /// <summary>d ⊕ a (bits) or d + a (ring elements): the operand share behind a masked share.</summary>
    private static byte[] Strip(byte[] masked, byte[] mask, bool bits)
    {
        var r = new byte[masked.Length];
        if (bits)
        {
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = (byte)(masked[i] ^ mask[i]);
            }
        }
        else
        {
            ReadOnlySpan<uint> d = MemoryMarshal.Cast<byte, uint>(masked), a = MemoryMarshal.Cast<byte, uint>(mask);
            Span<uint> x = MemoryMarshal.Cast<byte, uint>(r.AsSpan());
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = d[i] + a[i];
            }
        }

        return r;
    }

    /// <summary>One operation on x = (secret, …) held entirely by <paramref name="owner"/>; the result opened to all,
    /// as one value per element (bits as 0/1).</summary>
    private static async Task<uint[]> RunAsync(IArithmeticBlackBox abb, string op, int owner, uint[] secret, Action done)
    {
        int me = abb.PartyIndex;
        ShareVector x = abb.FromShares(me == owner ? secret : new uint[M]);
        ShareVector y = abb.FromShares(me == (owner + 1) % 3 ? Pattern : new uint[M]);
        BitShareVector? bitResult = null;
        ShareVector? valueResult = null;
        int n = M;
        switch (op)
        {
            case "less than public":
                bitResult = await abb.LessThanAsync(x, Pattern);
                break;
            case "less than signed":
                bitResult = await abb.LessThanAsync(x, y, ComparisonMode.Signed);
                break;
            case "sign of difference":
                bitResult = await abb.LessThanAsync(x, y, ComparisonMode.SignOfDifference);
                break;
            case "is negative":
                bitResult = await abb.IsNegativeAsync(x);
                break;
            case "equal public":
                bitResult = await abb.EqualAsync(x, Pattern);
                break;
            case "to bits":
                bitResult = await abb.ToBitsAsync(x);
                n = 32 * M;
                break;
            case "to arithmetic":
                // The low 8 bits of each secret, bit-sliced: 8·M bits, so that a leak stands out of 16 KiB-per-round noise.
                BitShareVector bits = abb.FromBitShares(me == owner ? BitSlicing.ToPlanes(secret, 8) : new ulong[8 * M / 64], 8 * M);
                valueResult = await abb.ToArithmeticAsync(bits);
                break;
            case "argmax":
                valueResult = await abb.ArgMaxAsync(abb.Add(x, y), Group);
                break;
            default:
                valueResult = await abb.ArgMinAsync(abb.Add(x, y), Group, ComparisonMode.SignOfDifference);
                break;
        }

        done();
        return bitResult is not null ? await OpenBits(abb, bitResult, n) : await abb.OpenAsync(valueResult!, "test: result");
    }

    private static async Task<uint[]> OpenBits(IArithmeticBlackBox abb, BitShareVector r, int n)
    {
        ulong[] words = await abb.OpenBitsAsync(r, "test: result");
        return Enumerable.Range(0, n).Select(i => (uint)(words[i >> 6] >> (i & 63)) & 1u).ToArray();
    }

    /// <summary>The plaintext reference of each operation for x = secret, y = c = <see cref="Pattern"/>.</summary>
    private static uint[] Expected(string op, uint[] x)
    {
        uint[] v = x.Zip(Pattern, (a, c) => a + c).ToArray(); // argmax/argmin operate on x + y
        return op switch
        {
            "less than public" => x.Zip(Pattern, (a, c) => a < c ? 1u : 0u).ToArray(),
            "less than signed" => x.Zip(Pattern, (a, c) => (int)a < (int)c ? 1u : 0u).ToArray(),
            "sign of difference" => x.Zip(Pattern, (a, c) => (a - c) >> 31).ToArray(),
            "is negative" => x.Select(a => a >> 31).ToArray(),
            "equal public" => x.Zip(Pattern, (a, c) => a == c ? 1u : 0u).ToArray(),
            "to bits" => Enumerable.Range(0, 32 * M).Select(i => (x[i % M] >> (i / M)) & 1u).ToArray(),
            "to arithmetic" => Enumerable.Range(0, 8 * M).Select(i => (x[i % M] >> (i / M)) & 1u).ToArray(),
            "argmax" => Winners(v, (a, b) => b < a),
            _ => Winners(v, (a, b) => ((a - b) >> 31) == 1),
        };
    }

    /// <summary>The protocol's definition of the winners of each group: i beats a later j when j is not strictly
    /// better, an earlier j when i is strictly better (ties to the lowest index).</summary>
    private static uint[] Winners(uint[] v, Func<uint, uint, bool> better)
    {
        var r = new uint[v.Length];
        for (int g = 0; g < v.Length; g += Group)
        {
            for (int i = g; i < g + Group; i++)
            {
                bool wins = true;
                for (int j = g; j < g + Group; j++)
                {
                    if (j != i)
                    {
                        wins &= j > i ? !better(v[j], v[i]) : better(v[i], v[j]);
                    }
                }

                r[i] = wins ? 1u : 0u;
            }
        }

        return r;
    }
}
