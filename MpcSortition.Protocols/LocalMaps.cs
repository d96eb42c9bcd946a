using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>A linear map without constant term on one party's ring shares: <paramref name="output"/> (cleared
/// beforehand) receives the image of <paramref name="input"/>. Applied to every party's shares it maps the secrets.</summary>
/// <param name="input">The shares to map.</param>
/// <param name="output">The mapped shares (all zero on entry).</param>
public delegate void ShareMap(ReadOnlySpan<uint> input, Span<uint> output);

/// <summary>A GF(2)-linear map without constant term on one party's packed XOR shares (for example a permutation or
/// a selection of bits); <paramref name="output"/> is all zero on entry.</summary>
/// <param name="input">The packed shares to map.</param>
/// <param name="output">The mapped packed shares.</param>
public delegate void BitShareMap(ReadOnlySpan<ulong> input, Span<ulong> output);

/// <summary>
/// Local linear maps that keep a replicated sharing replicated, and the two conversions that make a replicated sharing
/// from other handles, for code written against <see cref="IArithmeticBlackBox"/> outside this assembly. On
/// <see cref="ReplicatedBlackBox"/> a handle carries the next party's component (its companion); a map applied with
/// <c>FromShares</c> to <see cref="ShareVector.Values"/> alone drops it, and every later interactive operation on the
/// result then re-shares the operand (4 bytes per element). <see cref="Map"/> applies the map to both components instead.
/// On an engine without companions these are the plain operations.
/// </summary>
/// <remarks>Which path is taken depends only on whether the handles carry companions, which the program (not a secret)
/// decides, so message sizes stay a function of public parameters.</remarks>
public static class LocalMaps
{
    extension(IArithmeticBlackBox abb)
    {
        /// <summary>Applies a linear map without constant term to x (to each component this party holds).</summary>
        /// <param name="x">The operand.</param>
        /// <param name="outputLength">The length of the image.</param>
        /// <param name="map">The map; it must be linear over Z_2^32 with no constant term and depend on public values
        /// only (it is called once per component held).</param>
        /// <returns>The image, replicated when x is.</returns>
        public ShareVector Map(ShareVector x, int outputLength, ShareMap map)
        {
            ArgumentNullException.ThrowIfNull(map);
            ArgumentOutOfRangeException.ThrowIfNegative(outputLength);
            HandleCheck.Mine(abb.PartyIndex, x, nameof(x));
            var own = new uint[outputLength];
            map(x.Values, own);
            uint[]? next = null;
            if (x.Next is uint[] companion)
            {
                next = new uint[outputLength];
                map(companion, next);
            }

            return ShareVector.Own(abb.PartyIndex, own, next);
        }

        /// <summary>Applies a GF(2)-linear map without constant term to packed bits (to each component held).</summary>
        /// <param name="x">The operand.</param>
        /// <param name="outputBits">The bit length of the image.</param>
        /// <param name="map">The map (see <see cref="BitShareMap"/>); bits past <paramref name="outputBits"/> are cleared afterwards.</param>
        /// <returns>The image, replicated when x is.</returns>
        public BitShareVector MapBits(BitShareVector x, int outputBits, BitShareMap map)
        {
            ArgumentNullException.ThrowIfNull(map);
            ArgumentOutOfRangeException.ThrowIfNegative(outputBits);
            HandleCheck.Mine(abb.PartyIndex, x, nameof(x));
            var own = new ulong[PackedBits.WordCount(outputBits)];
            map(x.Words, own);
            PackedBits.ClearTail(own, outputBits);
            ulong[]? next = null;
            if (x.Next is ulong[] companion)
            {
                next = new ulong[own.Length];
                map(companion, next);
                PackedBits.ClearTail(next, outputBits);
            }

            return BitShareVector.Own(abb.PartyIndex, outputBits, own, next);
        }

        /// <summary>
        /// Several groups of inner products in one interactive call. Group g holds m_g rows of length L_g (X and Y row by
        /// row, as for <see cref="IArithmeticBlackBox.InnerProductAsync"/>); each row is cut into consecutive pieces of at
        /// most <paramref name="pieceLength"/> terms, and the result of group g holds one value per piece, row by row
        /// (⌈L_g / <paramref name="pieceLength"/>⌉ per row, so one per row when <paramref name="pieceLength"/> ≥ L_g).
        /// </summary>
        /// <remarks>The cost and the messages are those of one <see cref="IArithmeticBlackBox.InnerProductAsync"/> with
        /// row length <paramref name="pieceLength"/> on every group's rows zero-padded to a multiple of it and
        /// concatenated: on <see cref="ReplicatedBlackBox"/> one round and 4 bytes to the previous party per output,
        /// whatever the lengths. There (also through the batched parallel attempts of MpcSortition.Selection, which
        /// forward these calls to it), with replicated operands, the products are summed in place and no padded copy
        /// is built; otherwise the padded operands are built and passed to the engine's inner product.</remarks>
        /// <param name="groups">The groups: operands of equal length, a multiple of the row length (at least 1).</param>
        /// <param name="pieceLength">The most terms summed into one output, at least 1.</param>
        /// <param name="cancellationToken">Cancels the operation.</param>
        /// <returns>One vector per group, in order.</returns>
        public async ValueTask<ShareVector[]> InnerProductPiecesAsync(IReadOnlyList<(ShareVector X, ShareVector Y, int Length)> groups, int pieceLength, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(groups);
            ArgumentOutOfRangeException.ThrowIfLessThan(pieceLength, 1);
            if (groups.Count == 0)
            {
                return [];
            }

            for (int g = 0; g < groups.Count; g++)
            {
                (ShareVector x, ShareVector y, int length) = groups[g];
                HandleCheck.Mine(abb.PartyIndex, x, nameof(groups));
                HandleCheck.Mine(abb.PartyIndex, y, nameof(groups));
                if (x.Length != y.Length)
                {
                    throw new ArgumentException($"Group {g}: length mismatch, X has {x.Length} values, Y has {y.Length}.", nameof(groups));
                }

                BlackBoxOperations.CheckRows(x.Length, length);
            }

            // The replicated engine, or a black box that forwards to it (IReplicatedShortcuts), sums in place.
            if (abb is IReplicatedShortcuts replicated && await replicated.InnerProductPiecesAsync(groups, pieceLength, cancellationToken).ConfigureAwait(false) is ShareVector[] direct)
            {
                return direct;
            }

            var xs = new ShareVector[groups.Count];
            var ys = new ShareVector[groups.Count];
            var outputs = new int[groups.Count];
            for (int g = 0; g < groups.Count; g++)
            {
                (ShareVector x, ShareVector y, int length) = groups[g];
                int padded = (length + pieceLength - 1) / pieceLength * pieceLength;
                xs[g] = PadRows(abb, x, length, padded);
                ys[g] = PadRows(abb, y, length, padded);
                outputs[g] = xs[g].Length / pieceLength;
            }

            ShareVector all = await abb.InnerProductAsync(xs.Length == 1 ? xs[0] : ShareVector.Concat(xs), ys.Length == 1 ? ys[0] : ShareVector.Concat(ys), pieceLength, cancellationToken).ConfigureAwait(false);
            if (xs.Length == 1)
            {
                return [all];
            }

            var result = new ShareVector[groups.Count];
            for (int g = 0, at = 0; g < groups.Count; at += outputs[g], g++)
            {
                result[g] = all.Slice(at, outputs[g]);
            }

            return result;
        }

        /// <summary>Whether this engine keeps replicated sharings (three parties, companions on random values).</summary>
        public bool KeepsReplicatedSharings => ObliviousToolkit.IsReplicatedEngine(abb);

        /// <summary>
        /// B2A that keeps a replicated sharing replicated: every shared bit becomes the shared value 0 or 1. With a
        /// replicated bit handle on a replicated engine, b = b₀ ⊕ b₁ ⊕ b₂ with each component known to the two parties
        /// that hold it, so [b₀], [b₁], [b₂] are trivial replicated sharings; s = b₀ + b₁ − 2·b₀b₁ and
        /// b = s + b₂ − 2·s·b₂ take two multiplication rounds of replicated operands (4 bytes per bit each, to one
        /// peer) and give a replicated result. Otherwise <see cref="ObliviousToolkit.ToArithmeticAsync"/>.
        /// </summary>
        /// <param name="bits">The bits.</param>
        /// <param name="cancellationToken">Cancels the operation.</param>
        /// <returns>The 0/1 values, 2 rounds.</returns>
        public async ValueTask<ShareVector> ToArithmeticKeepingCompanionsAsync(BitShareVector bits, CancellationToken cancellationToken = default)
        {
            HandleCheck.Mine(abb.PartyIndex, bits, nameof(bits));
            if (bits.Next is not ulong[] companion || !ObliviousToolkit.IsReplicatedEngine(abb))
            {
                return await abb.ToArithmeticAsync(bits, cancellationToken).ConfigureAwait(false);
            }

            int n = bits.BitLength;
            int me = abb.PartyIndex;
            uint[] own = Unpack(bits.Words, n), next = Unpack(companion, n), zero = new uint[n];

            // Component j of the bits as a trivial replicated arithmetic sharing: party j holds it as its own share,
            // party j − 1 as its companion.
            ShareVector Component(int j) => ShareVector.Own(me, me == j ? own : zero, (me + 1) % 3 == j ? next : zero);

            ShareVector b0 = Component(0), b1 = Component(1), b2 = Component(2);
            ShareVector p = await abb.MultiplyAsync(b0, b1, cancellationToken).ConfigureAwait(false);
            ShareVector s = b0.Add(b1).Subtract(p.MultiplyPublic(2));
            ShareVector q = await abb.MultiplyAsync(s, b2, cancellationToken).ConfigureAwait(false);
            return s.Add(b2).Subtract(q.MultiplyPublic(2));
        }

        /// <summary>
        /// Makes x a replicated sharing on a replicated engine (no-op when it already is, or on other engines): with a
        /// fresh random replicated r that no party knows, opens x − r (uniform) under <paramref name="label"/> and
        /// returns (x − r) + r. One round, 8 bytes per element per party. For a contributor's additive shares, once.
        /// </summary>
        /// <param name="x">The values.</param>
        /// <param name="label">The audit label of the masked opening.</param>
        /// <param name="cancellationToken">Cancels the operation.</param>
        /// <returns>The same secrets, replicated.</returns>
        public async ValueTask<ShareVector> ToReplicatedAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
        {
            HandleCheck.Mine(abb.PartyIndex, x, nameof(x));
            if (x.HasCompanion || !ObliviousToolkit.IsReplicatedEngine(abb))
            {
                return x;
            }

            ShareVector r = abb.Random(x.Length);
            uint[] masked = await abb.OpenAsync(x.Subtract(r), label, cancellationToken).ConfigureAwait(false);
            return r.AddPublic(masked);
        }
    }

    /// <summary>x with each row of <paramref name="length"/> values zero-padded to <paramref name="width"/>.</summary>
    private static ShareVector PadRows(IArithmeticBlackBox abb, ShareVector x, int length, int width) => length == width ? x : abb.Map(x, x.Length / length * width, (s, o) =>
    {
        for (int i = 0; i < s.Length / length; i++)
        {
            s.Slice(i * length, length).CopyTo(o.Slice(i * width, length));
        }
    });

    private static uint[] Unpack(ReadOnlySpan<ulong> words, int n)
    {
        uint[] r = GC.AllocateUninitializedArray<uint>(n);
        for (int i = 0; i < n; i++)
        {
            r[i] = (uint)(words[i >> 6] >> (i & 63)) & 1u;
        }

        return r;
    }
}
