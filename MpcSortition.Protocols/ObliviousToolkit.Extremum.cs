using System.Numerics.Tensors;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>Argmax/argmin and the shared implementation of the comparison protocols (see the other part of this class).</summary>
public static partial class ObliviousToolkit
{
    // ------------------------------------------------------------------ argmax / argmin

    /// <summary>
    /// For each of the groups values[g·len .. (g+1)·len) (len = <paramref name="groupLength"/>), the position of a
    /// largest value as a shared one-hot vector: result[g·len + i] = 1 for the winner, 0 elsewhere; ties go to the
    /// lowest index. All len(len−1)/2 pairwise comparisons of all groups in one batch (the sign bit of each value is
    /// computed once, the sign bit of each pairwise difference once: about len²/2 + len sign bits per group),
    /// "i beats j" = v_i ≥ v_j for i &lt; j and v_i &gt; v_j for i &gt; j, an AND tree over the len − 1 contests,
    /// then B2A. Rounds:
    /// 8 (7 with <see cref="ComparisonMode.SignOfDifference"/>) + ⌈log2(len − 1)⌉ + 2, whatever the number of groups.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="values">The groups, concatenated; the length must be a multiple of <paramref name="groupLength"/>.</param>
    /// <param name="groupLength">Values per group, at least 1. The work grows with its square: meant for small groups
    /// (tens of values), any number of them per call.</param>
    /// <param name="mode">How the values are ordered (SignOfDifference requires |v_i − v_j| &lt; 2^31 within a group).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Shared 0/1 values, exactly one 1 per group.</returns>
    public static ValueTask<ShareVector> ArgMaxAsync(this IArithmeticBlackBox abb, ShareVector values, int groupLength, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
        => ArgExtremumAsync(abb, values, groupLength, mode, max: true, cancellationToken);

    /// <summary>
    /// For each group, the position of a smallest value as a shared one-hot vector; ties go to the lowest index.
    /// Same protocol and cost as <see cref="ArgMaxAsync"/>.
    /// </summary>
    /// <param name="abb">This party's black box (three parties).</param>
    /// <param name="values">The groups, concatenated; the length must be a multiple of <paramref name="groupLength"/>.</param>
    /// <param name="groupLength">Values per group, at least 1.</param>
    /// <param name="mode">How the values are ordered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Shared 0/1 values, exactly one 1 per group.</returns>
    public static ValueTask<ShareVector> ArgMinAsync(this IArithmeticBlackBox abb, ShareVector values, int groupLength, ComparisonMode mode = ComparisonMode.Unsigned, CancellationToken cancellationToken = default)
        => ArgExtremumAsync(abb, values, groupLength, mode, max: false, cancellationToken);

    // ------------------------------------------------------------------ implementation

    private static async ValueTask<ShareVector> ArgExtremumAsync(IArithmeticBlackBox abb, ShareVector values, int groupLength, ComparisonMode mode, bool max, CancellationToken cancellationToken)
    {
        CheckHandle(abb, values, nameof(values));
        ArgumentOutOfRangeException.ThrowIfLessThan(groupLength, 1);
        CheckMode(mode);
        if (values.Length % groupLength != 0)
        {
            throw new ArgumentException($"The length {values.Length} is not a multiple of the group length {groupLength}.", nameof(values));
        }

        int len = groupLength;
        int groups = values.Length / len;
        if (len == 1)
        {
            var ones = new uint[values.Length];
            ones.AsSpan().Fill(1);
            return abb.Public(ones);
        }

        // Pairs (i, j), i < j, of every group: q = "j strictly better than i".
        int pairsPerGroup = checked(len * (len - 1)) / 2;
        int pairCount = checked(groups * pairsPerGroup);
        var pairIndex = new int[len, len];
        var lowerIndex = new int[pairCount];
        var upperIndex = new int[pairCount];
        int at = 0;
        for (int i = 0; i < len; i++)
        {
            for (int j = i + 1; j < len; j++)
            {
                pairIndex[i, j] = pairIndex[j, i] = at++;
            }
        }

        for (int g = 0; g < groups; g++)
        {
            int baseValue = g * len, basePair = g * pairsPerGroup;
            for (int i = 0; i < len; i++)
            {
                for (int j = i + 1; j < len; j++)
                {
                    int p = basePair + pairIndex[i, j];
                    lowerIndex[p] = baseValue + i;
                    upperIndex[p] = baseValue + j;
                }
            }
        }

        BitShareVector q = max
            ? await LessThanPairsAsync(abb, values, lowerIndex, upperIndex, mode, cancellationToken).ConfigureAwait(false)
            : await LessThanPairsAsync(abb, values, upperIndex, lowerIndex, mode, cancellationToken).ConfigureAwait(false);

        // Plane k of element (g, i) is "i beats its k-th opponent j": ¬q for j > i, q for j < i.
        int count = values.Length;
        var circuit = new BitCircuit(abb, count, cancellationToken);
        ReadOnlySpan<ulong> qs = q.Words;
        bool flip = circuit.IsConstantHolder;
        var planes = new ulong[len - 1][];
        for (int k = 0; k < len - 1; k++)
        {
            planes[k] = circuit.Zero();
        }

        for (int g = 0; g < groups; g++)
        {
            for (int i = 0; i < len; i++)
            {
                int e = (g * len) + i;
                for (int k = 0; k < len - 1; k++)
                {
                    int j = k < i ? k : k + 1;
                    int p = (g * pairsPerGroup) + pairIndex[i, j];
                    ulong bit = (qs[p >> 6] >> (p & 63)) & 1UL;
                    if (j > i && flip)
                    {
                        bit ^= 1UL;
                    }

                    planes[k][e >> 6] |= bit << (e & 63);
                }
            }
        }

        ulong[] winner = await circuit.AndAllAsync(planes).ConfigureAwait(false);
        return await abb.ToArithmeticAsync(abb.FromBitShares(winner, count), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// v[left[p]] &lt; v[right[p]] for every pair p, where values take part in many pairs: the sign bit of each value
    /// is computed once (not once per pair), so P pairs over n values cost n + P sign bits instead of 3P.
    /// </summary>
    private static async ValueTask<BitShareVector> LessThanPairsAsync(IArithmeticBlackBox abb, ShareVector values, int[] left, int[] right, ComparisonMode mode, CancellationToken cancellationToken)
    {
        int pairs = left.Length;
        ShareVector v = mode == ComparisonMode.Signed ? abb.AddPublic(values, 1u << (Width - 1)) : values;
        ReadOnlySpan<uint> shares = v.Values;
        var d = new uint[pairs];
        for (int p = 0; p < pairs; p++)
        {
            d[p] = shares[left[p]] - shares[right[p]];
        }

        var circuit = new BitCircuit(abb, pairs, cancellationToken);
        if (mode == ComparisonMode.SignOfDifference)
        {
            ShareVector fresh = await RefreshAsync(abb, abb.FromShares(d), cancellationToken).ConfigureAwait(false);
            ulong[] sign = await circuit.MostSignificantBitAsync(fresh.Array, Width).ConfigureAwait(false);
            return abb.FromBitShares(sign, pairs);
        }

        int n = v.Length;
        ShareVector all = await RefreshAsync(abb, abb.Concat(v, abb.FromShares(d)), cancellationToken).ConfigureAwait(false);
        var wide = new BitCircuit(abb, all.Length, cancellationToken);
        ulong[] msb = await wide.MostSignificantBitAsync(all.Array, Width).ConfigureAwait(false);
        ulong[] lTop = circuit.Zero(), rTop = circuit.Zero(), dTop = Extract(msb, 1, n, pairs, circuit);
        for (int p = 0; p < pairs; p++)
        {
            lTop[p >> 6] |= ((msb[left[p] >> 6] >> (left[p] & 63)) & 1UL) << (p & 63);
            rTop[p >> 6] |= ((msb[right[p] >> 6] >> (right[p] & 63)) & 1UL) << (p & 63);
        }

        ulong[][] mux = await circuit.AndLevelAsync([BitCircuit.Xor(lTop, rTop)], [BitCircuit.Xor(rTop, dTop)]).ConfigureAwait(false);
        return abb.FromBitShares(BitCircuit.Xor(dTop, mux[0]), pairs);
    }

    /// <summary>
    /// Re-randomises a sharing with a fresh sharing of zero, without communication: the sum of one
    /// <see cref="IArithmeticBlackBox.InputAsync"/> of zeros by every party. Party i's share of that zero is masked by the
    /// pairwise streams of the other two parties, so after the refresh each share is uniform to everyone but its holder.
    /// </summary>
    /// <remarks>
    /// The circuits treat each party's own share as a trivially shared input. With the default triple source the
    /// triples' a and b are re-randomised, so a Beaver opening already hides the other parties' operand shares; but
    /// <see cref="ICorrelatedRandomness"/> only promises that no single party knows a and b, and with a source whose
    /// party i knows party i + 1's triple components an opening would show party i that party's operand share. The
    /// refresh makes what party i can learn uniform and independent of the secret whatever the caller's sharing was
    /// (for example a contributor's split that is not uniformly random) and whatever triple source is used.
    /// ComparisonRefreshViewTests shows the difference; see docs/comparison.md.
    /// </remarks>
    private static async ValueTask<ShareVector> RefreshAsync(IArithmeticBlackBox abb, ShareVector x, CancellationToken cancellationToken)
    {
        if (x.HasCompanion || IsReplicatedEngine(abb))
        {
            // The replicated engine masks every component it sends with a fresh zero sharing of its own (an additive
            // operand is re-randomised inside AndAsync/MultiplyAsync), so there is nothing to refresh; its InputAsync
            // is also a round, not free. Elsewhere a handle with a companion is a public constant.
            return x;
        }

        int m = x.Length;
        var zeros = new uint[m];
        uint[] acc = (uint[])x.Array.Clone();
        for (int owner = 0; owner < abb.PartyCount; owner++)
        {
            ShareVector zero = await abb.InputAsync(owner, abb.PartyIndex == owner ? zeros : default, m, cancellationToken).ConfigureAwait(false);
            TensorPrimitives.Add(acc, zero.Array, acc);
        }

        return new ShareVector(abb.PartyIndex, acc);
    }

    /// <summary>Whether <paramref name="abb"/> (or the engine a decorator forwards to) keeps replicated sharings: its
    /// random bits carry a companion. No randomness is drawn (zero bits) and nothing is sent.</summary>
    internal static bool IsReplicatedEngine(IArithmeticBlackBox abb) => abb.PartyCount == 3 && abb.RandomBits(0).HasCompanion;

    /// <summary>Run a circuit in replicated mode (one bit per AND) when the operand is a replicated sharing and the
    /// engine keeps them; otherwise on this party's additive share alone.</summary>
    internal static bool UseReplicatedCircuit(IArithmeticBlackBox abb, ShareVector operand) => operand.HasCompanion && IsReplicatedEngine(abb);

    /// <summary>The boolean counterpart of <see cref="RefreshAsync"/>: XOR with a fresh sharing of zero bits.</summary>
    private static async ValueTask<BitShareVector> RefreshBitsAsync(IArithmeticBlackBox abb, BitShareVector x, CancellationToken cancellationToken)
    {
        if (x.HasCompanion || IsReplicatedEngine(abb))
        {
            return x; // see RefreshAsync
        }

        var zeros = new ulong[x.Words.Length];
        ulong[] acc = (ulong[])x.Array.Clone();
        for (int owner = 0; owner < abb.PartyCount; owner++)
        {
            BitShareVector zero = await abb.InputBitsAsync(owner, abb.PartyIndex == owner ? zeros : default, x.BitLength, cancellationToken).ConfigureAwait(false);
            TensorPrimitives.Xor(acc, zero.Words, acc);
        }

        return new BitShareVector(abb.PartyIndex, x.BitLength, acc);
    }

    /// <summary>An operand of a comparison: shared, or public (the same at every party).</summary>
    internal readonly record struct Operand(ShareVector? Shared, uint[]? Public);

    /// <summary>left &lt; right (negated if asked): see <see cref="LessThanAsync(IArithmeticBlackBox, ShareVector, ShareVector, ComparisonMode, CancellationToken)"/>.</summary>
    /// <remarks>Generic in the bit width for exhaustive tests: the operands are taken mod 2^width (the ring
    /// arithmetic mod 2^32 is also correct mod 2^width) and bit width − 1 is the sign bit.</remarks>
    internal static async ValueTask<BitShareVector> LessThanCoreAsync(IArithmeticBlackBox abb, Operand left, Operand right, ComparisonMode mode, bool negate, CancellationToken cancellationToken, int width = Width)
    {
        CheckMode(mode);
        if (mode == ComparisonMode.Signed)
        {
            left = FlipSign(abb, left, width);
            right = FlipSign(abb, right, width);
        }

        ShareVector l = left.Shared ?? abb.Public(left.Public);
        ShareVector r = right.Shared ?? abb.Public(right.Public);
        ShareVector d = abb.Subtract(l, r);
        int m = d.Length;
        var circuit = new BitCircuit(abb, m, cancellationToken);
        ulong[] result;
        if (mode == ComparisonMode.SignOfDifference)
        {
            ShareVector fresh = await RefreshAsync(abb, d, cancellationToken).ConfigureAwait(false);
            var signCircuit = new BitCircuit(abb, m, cancellationToken, UseReplicatedCircuit(abb, fresh));
            ulong[] sign = await signCircuit.MostSignificantBitAsync(fresh.Array, width, fresh.Next).ConfigureAwait(false);
            return signCircuit.ToHandle(negate ? signCircuit.Not(sign) : sign);
        }
        else
        {
            // One batch of sign bits: the shared operands and the difference.
            var batch = new List<ShareVector>(3);
            if (left.Shared is not null)
            {
                batch.Add(left.Shared);
            }

            if (right.Shared is not null)
            {
                batch.Add(right.Shared);
            }

            batch.Add(d);
            ShareVector all = await RefreshAsync(abb, abb.Concat(batch.ToArray()), cancellationToken).ConfigureAwait(false);
            bool replicated = UseReplicatedCircuit(abb, all);
            var wide = new BitCircuit(abb, all.Length, cancellationToken, replicated);
            circuit = new BitCircuit(abb, m, cancellationToken, replicated);
            ulong[] msb = await wide.MostSignificantBitAsync(all.Array, width, all.Next).ConfigureAwait(false);
            int part = 0;
            ulong[] lTop = left.Shared is not null ? Extract(msb, part++, m, circuit, wide) : PublicSignBits(left.Public!, width, circuit);
            ulong[] rTop = right.Shared is not null ? Extract(msb, part++, m, circuit, wide) : PublicSignBits(right.Public!, width, circuit);
            ulong[] dTop = Extract(msb, part, m, circuit, wide);

            // l < r = (l₃₁ ≠ r₃₁) ? r₃₁ : d₃₁ = d₃₁ ⊕ ((l₃₁ ⊕ r₃₁) ∧ (r₃₁ ⊕ d₃₁)).
            ulong[][] mux = await circuit.AndLevelAsync([BitCircuit.Xor(lTop, rTop)], [BitCircuit.Xor(rTop, dTop)]).ConfigureAwait(false);
            result = BitCircuit.Xor(dTop, mux[0]);
        }

        if (negate)
        {
            result = circuit.Not(result);
        }

        return circuit.ToHandle(result);
    }

    private static Operand FlipSign(IArithmeticBlackBox abb, Operand o, int width)
    {
        uint signBit = 1u << (width - 1);
        if (o.Shared is not null)
        {
            return new Operand(abb.AddPublic(o.Shared, signBit), null);
        }

        uint[] flipped = (uint[])o.Public!.Clone();
        for (int i = 0; i < flipped.Length; i++)
        {
            flipped[i] += signBit;
        }

        return new Operand(null, flipped);
    }

    /// <summary>Elements [part·m, (part+1)·m) of a plane of a wider batch, as a plane of m elements.</summary>
    private static ulong[] Extract(ulong[] plane, int part, int m, BitCircuit target, BitCircuit? source = null) => Extract(plane, part, m, m, target, source);

    /// <summary>Elements [part·stride, part·stride + m) of a plane of a wider batch (of circuit <paramref name="source"/>;
    /// needed in replicated mode, where each plane has two halves), as a plane of m elements.</summary>
    private static ulong[] Extract(ulong[] plane, int part, int stride, int m, BitCircuit target, BitCircuit? source = null)
    {
        ulong[] r = target.Zero();
        PackedBits.CopyBits(plane.AsSpan(0, source?.Stride ?? plane.Length), part * stride, r, 0, m);
        if (target.Replicated)
        {
            PackedBits.CopyBits(plane.AsSpan(source!.Stride), part * stride, r.AsSpan(target.Stride), 0, m);
        }

        return r;
    }

    /// <summary>The sign bits of public values, as a trivial sharing.</summary>
    private static ulong[] PublicSignBits(uint[] values, int width, BitCircuit circuit)
    {
        ulong[] r = circuit.Zero();
        var bits = new ulong[circuit.Stride];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i >> 6] |= (ulong)((values[i] >> (width - 1)) & 1u) << (i & 63);
        }

        // Component 0: party 0's own half and, in replicated mode, party 2's second half.
        if (circuit.IsConstantHolder)
        {
            bits.CopyTo(r, 0);
        }

        if (circuit.Replicated && circuit.PartyIndex == 2)
        {
            bits.CopyTo(r, circuit.Stride);
        }

        return r;
    }

    private static void CheckMode(ComparisonMode mode)
    {
        if (mode is not (ComparisonMode.Unsigned or ComparisonMode.Signed or ComparisonMode.SignOfDifference))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown comparison mode.");
        }
    }

    private static void CheckHandle(IArithmeticBlackBox abb, ShareVector x, string name)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.PartyIndex != abb.PartyIndex)
        {
            throw new ArgumentException($"This handle holds party {x.PartyIndex}'s shares; this black box is party {abb.PartyIndex}.", name);
        }
    }

    private static void CheckHandle(IArithmeticBlackBox abb, BitShareVector x, string name)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.PartyIndex != abb.PartyIndex)
        {
            throw new ArgumentException($"This handle holds party {x.PartyIndex}'s shares; this black box is party {abb.PartyIndex}.", name);
        }
    }

    private static void CheckPair(IArithmeticBlackBox abb, ShareVector x, ShareVector y)
    {
        CheckHandle(abb, x, nameof(x));
        CheckHandle(abb, y, nameof(y));
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Length mismatch: x has {x.Length} values, y has {y.Length}.", nameof(y));
        }
    }

    private static void CheckPublic(IArithmeticBlackBox abb, ShareVector x, ReadOnlySpan<uint> c)
    {
        CheckHandle(abb, x, nameof(x));
        if (x.Length != c.Length)
        {
            throw new ArgumentException($"Length mismatch: x has {x.Length} values, c has {c.Length}.", nameof(c));
        }
    }
}
