using MpcSortition.Core;
using System.Numerics.Tensors;

namespace MpcSortition.Protocols;

/// <summary>
/// Bit-sliced boolean circuits over the XOR shares of an <see cref="IArithmeticBlackBox"/>, for a batch of
/// <see cref="Count"/> elements. A plane is this party's share of one bit of every element: <see cref="Stride"/>
/// words, element i at bit i (bits past <see cref="Count"/> are padding and carry no meaning). Local gates (XOR,
/// NOT) cost nothing; all AND gates of one circuit level go into one <see cref="AndLevelAsync"/> call: one round.
/// </summary>
/// <remarks>
/// The circuits here are generic in the bit width (1..32) so tests can check them exhaustively at small widths.
/// Every control-flow decision depends only on the public count and width: the sequence of rounds and message
/// sizes is the same for every secret input. The only openings are those inside
/// <see cref="IArithmeticBlackBox.AndAsync"/> (Beaver-masked).
/// <para><b>Replicated mode</b> (three parties, an input that carries companions, see <see cref="ReplicatedBlackBox"/>):
/// each plane holds two halves of <see cref="Stride"/> words, this party's component and the next party's. XOR acts on
/// both halves, public constants go into component 0 (party 0's first half, party 2's second half), and the AND levels
/// hand replicated handles to the engine, so an AND costs one bit to one peer instead of the additive path.</para>
/// </remarks>
internal sealed class BitCircuit
{
    private readonly IArithmeticBlackBox _abb;
    private readonly CancellationToken _cancellationToken;

    internal BitCircuit(IArithmeticBlackBox abb, int count, CancellationToken cancellationToken, bool replicated = false)
    {
        _abb = abb;
        Count = count;
        Stride = BitSlicing.Stride(count);
        _cancellationToken = cancellationToken;
        Replicated = replicated && abb.PartyCount == 3;
    }

    /// <summary>Whether planes carry the next party's component too (see the remarks).</summary>
    internal bool Replicated { get; }

    /// <summary>Words per plane array: <see cref="Stride"/>, or twice that in replicated mode.</summary>
    internal int PlaneWords => Replicated ? 2 * Stride : Stride;

    /// <summary>Whether this party holds component 0 (where public constants go) as its second half.</summary>
    private bool IsCompanionConstantHolder => Replicated && _abb.PartyIndex == 2;

    /// <summary>Number of elements per plane.</summary>
    internal int Count { get; }

    /// <summary>Words per plane.</summary>
    internal int Stride { get; }

    /// <summary>Whether this party adds public constants (party 0, as everywhere in the black box).</summary>
    internal bool IsConstantHolder => _abb.PartyIndex == 0;

    internal int PartyIndex => _abb.PartyIndex;

    // ------------------------------------------------------------------ local gates

    internal ulong[] Zero() => new ulong[PlaneWords];

    /// <summary>The trivial sharing whose component <paramref name="j"/> is that component of <paramref name="plane"/>
    /// and whose other components are zero (party i holds components i and, in replicated mode, i + 1).</summary>
    internal ulong[] Component(ulong[] plane, int j)
    {
        ulong[] r = Zero();
        int me = PartyIndex;
        if (me == j)
        {
            plane.AsSpan(0, Stride).CopyTo(r);
        }

        if (Replicated && (me + 1) % 3 == j)
        {
            plane.AsSpan(Stride, Stride).CopyTo(r.AsSpan(Stride));
        }

        return r;
    }

    /// <summary>The first <see cref="Count"/> bits of a plane as a handle (with its companion in replicated mode).</summary>
    internal BitShareVector ToHandle(ulong[] plane)
    {
        int words = PackedBits.WordCount(Count);
        var mine = new ulong[words];
        PackedBits.CopyBits(plane, 0, mine, 0, Count);
        if (!Replicated)
        {
            return BitShareVector.Own(PartyIndex, Count, mine);
        }

        var next = new ulong[words];
        PackedBits.CopyBits(plane.AsSpan(Stride), 0, next, 0, Count);
        return BitShareVector.Own(PartyIndex, Count, mine, next);
    }

    internal static ulong[] Xor(ulong[] a, ulong[] b)
    {
        var r = new ulong[a.Length];
        TensorPrimitives.Xor(a, b, r);
        return r;
    }

    internal static ulong[] Xor(ulong[] a, ulong[] b, ulong[] c)
    {
        var r = new ulong[a.Length];
        TensorPrimitives.Xor(a, b, r);
        TensorPrimitives.Xor(r, c, r);
        return r;
    }

    /// <summary>¬a: the constant holder flips its share, the others keep theirs.</summary>
    internal ulong[] Not(ulong[] a)
    {
        var r = (ulong[])a.Clone();
        if (IsConstantHolder)
        {
            TensorPrimitives.OnesComplement(r.AsSpan(0, Stride), r.AsSpan(0, Stride));
        }

        if (IsCompanionConstantHolder)
        {
            TensorPrimitives.OnesComplement(r.AsSpan(Stride), r.AsSpan(Stride));
        }

        return r;
    }

    /// <summary>A public plane (all elements the same bit) as a trivial sharing.</summary>
    internal ulong[] Constant(bool bit)
    {
        ulong[] r = Zero();
        if (bit && IsConstantHolder)
        {
            r.AsSpan(0, Stride).Fill(ulong.MaxValue);
        }

        if (bit && IsCompanionConstantHolder)
        {
            r.AsSpan(Stride).Fill(ulong.MaxValue);
        }

        return r;
    }

    /// <summary>Slices this party's arithmetic shares into <paramref name="width"/> planes (bit j of every share); in
    /// replicated mode the companion's planes form each plane's second half.</summary>
    internal ulong[][] SliceShares(ReadOnlyMemory<uint> shares, int width, ReadOnlyMemory<uint> companion = default)
    {
        var flat = new ulong[width * Stride];
        BitSlicing.ToPaddedPlanes(shares.Span, width, flat);
        ulong[]? flatNext = null;
        if (Replicated)
        {
            flatNext = new ulong[width * Stride];
            BitSlicing.ToPaddedPlanes(companion.Span, width, flatNext);
        }

        var planes = new ulong[width][];
        for (int j = 0; j < width; j++)
        {
            planes[j] = Zero();
            flat.AsSpan(j * Stride, Stride).CopyTo(planes[j]);
            flatNext?.AsSpan(j * Stride, Stride).CopyTo(planes[j].AsSpan(Stride));
        }

        return planes;
    }

    // ------------------------------------------------------------------ interactive

    /// <summary>One circuit level: x[k] ∧ y[k] for every k, all in one AND round (none if the list is empty).</summary>
    internal async ValueTask<ulong[][]> AndLevelAsync(IReadOnlyList<ulong[]> x, IReadOnlyList<ulong[]> y)
    {
        int k = x.Count;
        var result = new ulong[k][];
        if (k == 0)
        {
            return result;
        }

        int s = Stride;
        // Every word of the four operands is copied in below: no zeroing needed.
        ulong[] xs = GC.AllocateUninitializedArray<ulong>(k * s);
        ulong[] ys = GC.AllocateUninitializedArray<ulong>(k * s);
        ulong[]? xn = Replicated ? GC.AllocateUninitializedArray<ulong>(k * s) : null, yn = Replicated ? GC.AllocateUninitializedArray<ulong>(k * s) : null;
        for (int i = 0; i < k; i++)
        {
            x[i].AsSpan(0, s).CopyTo(xs.AsSpan(i * s));
            y[i].AsSpan(0, s).CopyTo(ys.AsSpan(i * s));
            if (Replicated)
            {
                x[i].AsSpan(s, s).CopyTo(xn.AsSpan(i * s));
                y[i].AsSpan(s, s).CopyTo(yn.AsSpan(i * s));
            }
        }

        // Whole words, so no tail to clear: wrap the fresh arrays without the copy FromBitShares would make.
        var bx = new BitShareVector(PartyIndex, 64 * xs.Length, xs, xn);
        var by = new BitShareVector(PartyIndex, 64 * ys.Length, ys, yn);
        BitShareVector z = await _abb.AndAsync(bx, by, _cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<ulong> zs = z.Words;
        ulong[]? zn = z.Next;
        if (Replicated && zn is null)
        {
            throw new InvalidOperationException("The black box returned an AND of replicated operands without its second component.");
        }

        for (int i = 0; i < k; i++)
        {
            result[i] = Zero();
            zs.Slice(i * s, s).CopyTo(result[i]);
            zn?.AsSpan(i * s, s).CopyTo(result[i].AsSpan(s));
        }

        return result;
    }

    /// <summary>AND of all planes (the AND of each element's bits): a balanced tree, ⌈log2 n⌉ rounds.</summary>
    internal async ValueTask<ulong[]> AndAllAsync(IReadOnlyList<ulong[]> planes)
    {
        if (planes.Count == 0)
        {
            return Constant(true);
        }

        List<ulong[]> level = [.. planes];
        while (level.Count > 1)
        {
            int pairs = level.Count / 2;
            var left = new ulong[pairs][];
            var right = new ulong[pairs][];
            for (int p = 0; p < pairs; p++)
            {
                left[p] = level[2 * p];
                right[p] = level[(2 * p) + 1];
            }

            ulong[][] products = await AndLevelAsync(left, right).ConfigureAwait(false);
            List<ulong[]> next = [.. products];
            if (level.Count % 2 == 1)
            {
                next.Add(level[^1]);
            }

            level = next;
        }

        return level[0];
    }

    // ------------------------------------------------------------------ adders on three additive shares

    /// <summary>
    /// Carry-save step for x = x₀ + x₁ + x₂ (mod 2^width), party i knowing x_i: returns A = x₀⊕x₁⊕x₂ (width
    /// planes) and B = maj(x₀, x₁, x₂) shifted left by one (B₀ = 0 public), so that A + B ≡ x. One AND round
    /// (width − 1 ANDs per element: the carry out of the top bit is dropped).
    /// </summary>
    internal async ValueTask<(ulong[][] A, ulong[][] B)> CarrySaveAsync(ReadOnlyMemory<uint> shares, int width, ReadOnlyMemory<uint> companion = default)
    {
        RequireThreeParties();
        ulong[][] mine = SliceShares(shares, width, companion);

        // Sharings X_j whose component j is party j's share (trivial sharings in additive mode; in replicated mode
        // X_j's component j is known to parties j and j − 1). A = X0⊕X1⊕X2 has share `mine` at every party.
        // maj(X0, X1, X2) = ((X0⊕X2) ∧ (X1⊕X2)) ⊕ X2.
        var u = new ulong[width - 1][];
        var v = new ulong[width - 1][];
        for (int j = 0; j < width - 1; j++)
        {
            ulong[] x2 = Component(mine[j], 2);
            u[j] = Xor(Component(mine[j], 0), x2);
            v[j] = Xor(Component(mine[j], 1), x2);
        }

        ulong[][] uv = await AndLevelAsync(u, v).ConfigureAwait(false);
        var b = new ulong[width][];
        b[0] = Zero();
        for (int j = 1; j < width; j++)
        {
            b[j] = Xor(uv[j - 1], Component(mine[j - 1], 2));
        }

        return (mine, b);
    }

    /// <summary>
    /// The top bit (bit width − 1) of x = Σ shares mod 2^width: carry-save (1 round), generate (1 round), then a
    /// tree of group generate/propagate over bits 1..width−2 (⌈log2(width − 2)⌉ rounds). For width 32: 7 rounds.
    /// </summary>
    internal async ValueTask<ulong[]> MostSignificantBitAsync(ReadOnlyMemory<uint> shares, int width, ReadOnlyMemory<uint> companion = default)
    {
        if (width == 1)
        {
            RequireThreeParties();
            return SliceShares(shares, 1, companion)[0]; // the parity bit is linear: x₀⊕x₁⊕x₂
        }

        (ulong[][] a, ulong[][] b) = await CarrySaveAsync(shares, width, companion).ConfigureAwait(false);
        ulong[] top = Xor(a[width - 1], b[width - 1]);
        int leaves = width - 2; // bits 1..width−2 (bit 0 cannot generate: B₀ = 0)
        if (leaves == 0)
        {
            return top;
        }

        (ulong[][] g, ulong[][] p) = await GeneratePropagateAsync(a, b, 1, leaves).ConfigureAwait(false);
        ulong[] carry = await GroupGenerateAsync(g, p).ConfigureAwait(false);
        return Xor(top, carry);
    }

    /// <summary>
    /// All bits of x = Σ shares mod 2^width (arithmetic-to-boolean): carry-save (1 round), generate (1 round),
    /// Sklansky parallel prefix over bits 1..width−2 (⌈log2(width − 2)⌉ rounds). For width 32: 7 rounds.
    /// </summary>
    internal async ValueTask<ulong[][]> ToBitsAsync(ReadOnlyMemory<uint> shares, int width, ReadOnlyMemory<uint> companion = default)
    {
        if (width == 1)
        {
            RequireThreeParties();
            return SliceShares(shares, 1, companion);
        }

        (ulong[][] a, ulong[][] b) = await CarrySaveAsync(shares, width, companion).ConfigureAwait(false);
        var sum = new ulong[width][];
        sum[0] = a[0];
        for (int j = 1; j < width; j++)
        {
            sum[j] = Xor(a[j], b[j]);
        }

        int leaves = width - 2;
        if (leaves == 0)
        {
            return sum;
        }

        (ulong[][] g, ulong[][] p) = await GeneratePropagateAsync(a, b, 1, leaves).ConfigureAwait(false);
        ulong[][] prefix = await PrefixGenerateAsync(g, p).ConfigureAwait(false);

        // prefix[t] = carry into bit t + 2.
        for (int t = 0; t < leaves; t++)
        {
            sum[t + 2] = Xor(sum[t + 2], prefix[t]);
        }

        return sum;
    }

    /// <summary>g_j = A_j ∧ B_j and p_j = A_j ⊕ B_j for j = first .. first + count − 1 (one round).</summary>
    private async ValueTask<(ulong[][] G, ulong[][] P)> GeneratePropagateAsync(ulong[][] a, ulong[][] b, int first, int count)
    {
        ulong[][] g = await AndLevelAsync(a.AsSpan(first, count).ToArray(), b.AsSpan(first, count).ToArray()).ConfigureAwait(false);
        var p = new ulong[count][];
        for (int t = 0; t < count; t++)
        {
            p[t] = Xor(a[first + t], b[first + t]);
        }

        return (g, p);
    }

    /// <summary>
    /// Group generate of leaves 0..n−1 (low to high): a balanced tree of (G, P) ∘ (G', P') = (G ⊕ P∧G', P∧P'),
    /// ⌈log2 n⌉ rounds; the propagate of the lowest group is never needed and not computed.
    /// </summary>
    private async ValueTask<ulong[]> GroupGenerateAsync(ulong[][] g, ulong[][] p)
    {
        List<(ulong[] G, ulong[]? P)> level = [];
        for (int t = 0; t < g.Length; t++)
        {
            level.Add((g[t], t == 0 ? null : p[t]));
        }

        while (level.Count > 1)
        {
            int pairs = level.Count / 2;
            var left = new List<ulong[]>();
            var right = new List<ulong[]>();
            for (int k = 0; k < pairs; k++)
            {
                (ulong[] gLo, ulong[]? pLo) = level[2 * k];
                ulong[] pHi = level[(2 * k) + 1].P!;
                left.Add(pHi);
                right.Add(gLo);
                if (k > 0)
                {
                    left.Add(pHi);
                    right.Add(pLo!);
                }
            }

            ulong[][] r = await AndLevelAsync(left, right).ConfigureAwait(false);
            List<(ulong[] G, ulong[]? P)> next = [];
            int at = 0;
            for (int k = 0; k < pairs; k++)
            {
                ulong[] gHi = level[(2 * k) + 1].G;
                ulong[] gNew = Xor(gHi, r[at++]);
                ulong[]? pNew = k > 0 ? r[at++] : null;
                next.Add((gNew, pNew));
            }

            if (level.Count % 2 == 1)
            {
                next.Add(level[^1]);
            }

            level = next;
        }

        return level[0].G;
    }

    /// <summary>
    /// Prefix generate of leaves 0..n−1 (Sklansky): result t = group generate of leaves 0..t. ⌈log2 n⌉ rounds;
    /// propagates are computed only for groups that do not yet reach leaf 0.
    /// </summary>
    private async ValueTask<ulong[][]> PrefixGenerateAsync(ulong[][] g, ulong[][] p)
    {
        int n = g.Length;
        var gg = (ulong[][])g.Clone();
        var pp = (ulong[]?[])p.Clone();
        for (int span = 1; span < n; span <<= 1)
        {
            var left = new List<ulong[]>();
            var right = new List<ulong[]>();
            var targets = new List<(int T, int J, bool NeedP)>();
            for (int t = 0; t < n; t++)
            {
                if ((t & span) == 0)
                {
                    continue;
                }

                int blockStart = t & ~((2 * span) - 1);
                int j = blockStart + span - 1;
                bool needP = blockStart != 0;
                left.Add(pp[t]!);
                right.Add(gg[j]);
                if (needP)
                {
                    left.Add(pp[t]!);
                    right.Add(pp[j]!);
                }

                targets.Add((t, j, needP));
            }

            ulong[][] r = await AndLevelAsync(left, right).ConfigureAwait(false);
            int at = 0;
            foreach ((int t, int _, bool needP) in targets)
            {
                gg[t] = Xor(gg[t], r[at++]);
                pp[t] = needP ? r[at++] : null;
            }
        }

        return gg;
    }

    // ------------------------------------------------------------------ zero test

    /// <summary>
    /// Whether z = Σ shares ≡ 0 (mod 2^width), as a plane. With a = z₀, b = z₁ and w = −z₂ (each known to one
    /// party), z ≡ 0 ⇔ a + b ≡ w. Let t = a ⊕ b ⊕ w: then a + b ≡ w iff t₀ = 0 and t_{j+1} = maj(a_j, b_j, t_j) for
    /// all j (t is then exactly the carry vector of a + b). maj costs one AND per bit, all in one round; the AND of
    /// the width equality bits takes ⌈log2 width⌉ rounds. For width 32: 6 rounds, 62 ANDs per element.
    /// </summary>
    internal async ValueTask<ulong[]> IsZeroAsync(ReadOnlyMemory<uint> shares, int width, ReadOnlyMemory<uint> companion = default)
    {
        RequireThreeParties();
        int me = PartyIndex;

        // w = −z₂: party 2 negates its own component, and in replicated mode party 1 its companion (component 2).
        ReadOnlyMemory<uint> own = shares, next = companion;
        if (me == 2)
        {
            var negated = new uint[shares.Length];
            TensorPrimitives.Negate(shares.Span, negated);
            own = negated;
        }

        if (Replicated && me == 1)
        {
            var negated = new uint[companion.Length];
            TensorPrimitives.Negate(companion.Span, negated);
            next = negated;
        }

        ulong[][] mine = SliceShares(own, width, next);

        // t has share `mine` everywhere. maj(a, b, t) = ((b ⊕ w) ∧ (a ⊕ w)) ⊕ t since a ⊕ t = b ⊕ w, b ⊕ t = a ⊕ w.
        var left = new ulong[width - 1][];
        var right = new ulong[width - 1][];
        for (int j = 0; j < width - 1; j++)
        {
            ulong[] w = Component(mine[j], 2);
            left[j] = Xor(Component(mine[j], 1), w);
            right[j] = Xor(Component(mine[j], 0), w);
        }

        ulong[][] products = await AndLevelAsync(left, right).ConfigureAwait(false);
        var equal = new ulong[width][];
        equal[0] = Not(mine[0]);
        for (int j = 0; j < width - 1; j++)
        {
            // t_{j+1} == maj_j  ⇔  ¬(t_{j+1} ⊕ (products_j ⊕ t_j))
            equal[j + 1] = Not(Xor(mine[j + 1], products[j], mine[j]));
        }

        return await AndAllAsync(equal).ConfigureAwait(false);
    }

    private void RequireThreeParties()
    {
        if (_abb.PartyCount != 3)
        {
            throw new NotSupportedException($"The boolean conversions need exactly 3 parties (the carry-save step adds three shares); this black box has {_abb.PartyCount}.");
        }
    }
}
