using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// A piece of boolean work made of AND levels, so that several independent pieces can share their rounds: every round,
/// <see cref="RunAsync"/> asks each unfinished piece for its next level of AND gates, makes all of them in one
/// <see cref="IArithmeticBlackBox.AndAsync"/> call and hands each piece its results. A piece that needs no gate in a level
/// does that level locally. The sequence of calls and their lengths depends only on the pieces' public shapes.
/// </summary>
internal abstract class AndLevels
{
    private readonly List<(BitShareVector X, BitShareVector Y, Action<BitShareVector> Then)> _asks = [];

    /// <summary>Whether the piece has its result.</summary>
    internal abstract bool Done { get; }

    /// <summary>Plans the next level: <see cref="Ask"/> for each AND gate of the level. A piece that would ask for nothing
    /// does the level locally and goes on to the next; if it asks for nothing at all it must be <see cref="Done"/>.</summary>
    protected abstract void PlanLevel();

    /// <summary>Called after every result of the level was delivered.</summary>
    protected abstract void FinishLevel();

    /// <summary>Asks for x ∧ y in this level; <paramref name="then"/> receives it.</summary>
    protected void Ask(BitShareVector x, BitShareVector y, Action<BitShareVector> then) => _asks.Add((x, y, then));

    /// <summary>Runs the pieces to the end, one AND round per level of the deepest piece.</summary>
    internal static async ValueTask RunAsync(IArithmeticBlackBox abb, CancellationToken ct, params AndLevels[] pieces)
    {
        while (true)
        {
            var active = new List<AndLevels>();
            var xs = new List<BitShareVector>();
            var ys = new List<BitShareVector>();
            foreach (AndLevels piece in pieces)
            {
                if (piece.Done)
                {
                    continue;
                }

                piece._asks.Clear();
                piece.PlanLevel();
                if (piece._asks.Count == 0)
                {
                    if (!piece.Done)
                    {
                        throw new InvalidOperationException("A piece of boolean work asked for no gate and is not finished.");
                    }

                    continue;
                }

                active.Add(piece);
                foreach ((BitShareVector x, BitShareVector y, _) in piece._asks)
                {
                    xs.Add(x);
                    ys.Add(y);
                }
            }

            if (active.Count == 0)
            {
                return;
            }

            BitShareVector z = await abb.AndAsync(abb.ConcatBits([.. xs]), abb.ConcatBits([.. ys]), ct).ConfigureAwait(false);
            int at = 0;
            foreach (AndLevels piece in active)
            {
                foreach ((BitShareVector x, _, Action<BitShareVector> then) in piece._asks)
                {
                    then(abb.SliceBits(z, at, x.BitLength));
                    at += x.BitLength;
                }

                piece._asks.Clear();
                piece.FinishLevel();
            }
        }
    }
}

/// <summary>
/// The draw r = ⌊U·c / 2^64⌋ of the reference (multiply-shift of a 64-bit tape word U by a count c), exactly, for a batch
/// of counts (one per value, so the draw can run beside the value choice and be picked afterwards by the winner).
/// </summary>
/// <remarks>
/// <para>U is cut into limbs u_i of <see cref="LimbBits"/> bits; m_i = u_i·c (one multiplication round) is below 2^32, so
/// its 32 bits are exact (one bit extraction, 7 rounds, shared with the step's sign bits). U·c = Σ_i m_i·2^{LimbBits·i}.
/// The limbs are put into groups whose members do not overlap (a member spans 32 bit positions), so each group is one
/// boolean number made only by placing bits: two numbers for counts below 2^15 (16-bit limbs: {m₀, m₂}, {m₁, m₃}), three
/// for counts below 2^20 (12-bit limbs, the last of 4 bits: {m₀, m₃}, {m₁, m₄}, {m₂, m₅}), which one carry-save level
/// makes two: X + Y = U·c. Then r = ⌊X/2^64⌋ + ⌊Y/2^64⌋ + c₆₄, with c₆₄ = [X mod 2^64 + Y mod 2^64 ≥ 2^64] the carry
/// into bit 64: generate bits g = X ∧ Y (one round) and a tree of (G, P) ∘ (G', P') = (G ⊕ P∧G', P∧P') over the
/// positions where both numbers can be non-zero (48 or 51 leaves: 6 rounds). The upper bits of X and Y and c₆₄ are then
/// converted to arithmetic and summed with their weights (2 rounds, shared with the step's B2A).</para>
/// <para>Rounds after the products: 7 (bits) + 7 (carry; 8 with the carry-save level) + 2 (B2A). Every gate is fixed by the
/// public count regime, never by a secret.</para>
/// </remarks>
internal sealed class SecureDraw
{
    private readonly int[][] _groups;

    /// <summary>The draw for counts below 2^15 (<paramref name="wide"/> false) or below 2^20 (true).</summary>
    internal SecureDraw(bool wide)
    {
        Wide = wide;
        LimbBits = wide ? 12 : 16;
        Limbs = wide ? 6 : 4;
        _groups = wide ? [[0, 3], [1, 4], [2, 5]] : [[0, 2], [1, 3]];
    }

    /// <summary>Whether counts may reach 2^20 − 1 (three groups and a carry-save level).</summary>
    internal bool Wide { get; }

    /// <summary>Bits per limb of the word.</summary>
    internal int LimbBits { get; }

    /// <summary>Limbs of the word.</summary>
    internal int Limbs { get; }

    /// <summary>The factors of the products m[i·V + v] = u_i·c_v (limb-major): the limbs of the word from its 64
    /// arithmetic 0/1 values (local), and the counts repeated once per limb.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="wordBits">The word's 64 bits as shared 0/1 values (bit b has weight 2^b).</param>
    /// <param name="counts">V counts.</param>
    /// <returns>Two vectors of Limbs·V values.</returns>
    internal (ShareVector X, ShareVector Y) Factors(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector counts)
    {
        int v = counts.Length, limbs = Limbs, width = LimbBits;
        ShareVector x = abb.Map(wordBits, limbs * v, (bits, o) =>
        {
            for (int i = 0; i < limbs; i++)
            {
                uint limb = 0;
                for (int b = 0; b < width && (i * width) + b < 64; b++)
                {
                    limb += bits[(i * width) + b] << b;
                }

                o.Slice(i * v, v).Fill(limb);
            }
        });
        ShareVector y = abb.Map(counts, limbs * v, (s, o) =>
        {
            for (int i = 0; i < limbs; i++)
            {
                s.CopyTo(o.Slice(i * v, v));
            }
        });
        return (x, y);
    }

    /// <summary>The boolean part of the draw from the bits of the products.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="count">V, the number of draws.</param>
    /// <param name="bit">Bit k (0..31) of the products of limb i for every value: V bits.</param>
    /// <returns>The piece of boolean work; after it, <see cref="DrawCarry.ArithmeticInput"/> and <see cref="DrawCarry.Finish"/>.</returns>
    internal DrawCarry Carry(IArithmeticBlackBox abb, int count, Func<int, int, BitShareVector> bit)
    {
        int positions = (LimbBits * (Limbs - 1)) + 32;
        var numbers = new BitShareVector?[_groups.Length][];
        for (int g = 0; g < _groups.Length; g++)
        {
            numbers[g] = new BitShareVector?[positions];
            foreach (int limb in _groups[g])
            {
                for (int k = 0; k < 32; k++)
                {
                    numbers[g][(LimbBits * limb) + k] = bit(limb, k);
                }
            }
        }

        return new DrawCarry(abb, count, numbers);
    }

    /// <summary>The whole draw on its own (tests): products, bits, carry, B2A: 1 + 7 + 7 (8 wide) + 2 rounds.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="wordBits">64 shared 0/1 values.</param>
    /// <param name="counts">The counts (below 2^15, or 2^20 when wide).</param>
    /// <param name="ct">Cancels the operation.</param>
    /// <returns>⌊U·c_v / 2^64⌋ for every count.</returns>
    internal async ValueTask<ShareVector> DrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector counts, CancellationToken ct)
    {
        (ShareVector x, ShareVector y) = Factors(abb, wordBits, counts);
        ShareVector m = await abb.MultiplyAsync(x, y, ct).ConfigureAwait(false);
        BitShareVector planes = await abb.ToBitsAsync(m, 32, ct).ConfigureAwait(false);
        int total = m.Length, v = counts.Length;
        DrawCarry carry = Carry(abb, v, (limb, k) => abb.SliceBits(planes, (k * total) + (limb * v), v));
        await AndLevels.RunAsync(abb, ct, carry).ConfigureAwait(false);
        ShareVector arithmetic = await abb.ToArithmeticKeepingCompanionsAsync(carry.ArithmeticInput, ct).ConfigureAwait(false);
        return carry.Finish(arithmetic);
    }
}

/// <summary>The boolean part of <see cref="SecureDraw"/>: carry-save (three numbers only), generate, carry tree.</summary>
internal sealed class DrawCarry : AndLevels
{
    private const int Top = 64;
    private readonly IArithmeticBlackBox _abb;
    private readonly int _count;
    private readonly BitShareVector?[][] _numbers;
    private BitShareVector?[] _x = default!, _y = default!;
    private BitShareVector?[] _maj = default!;
    private (BitShareVector? G, BitShareVector? P)[] _nodes = default!;
    private Stage _stage;

    private enum Stage
    {
        CarrySave,
        Generate,
        Tree,
        Done,
    }

    internal DrawCarry(IArithmeticBlackBox abb, int count, BitShareVector?[][] numbers)
    {
        _abb = abb;
        _count = count;
        _numbers = numbers;
        if (numbers.Length == 2)
        {
            _x = numbers[0];
            _y = numbers[1];
            _stage = Stage.Generate;
        }
        else
        {
            _stage = Stage.CarrySave;
        }
    }

    /// <inheritdoc/>
    internal override bool Done => _stage == Stage.Done;

    /// <summary>The carry into bit 64 (null: public zero).</summary>
    private BitShareVector? CarryBit { get; set; }

    /// <summary>The bits to convert to arithmetic: the carry, then the upper bits of X and Y (V bits each).</summary>
    internal BitShareVector ArithmeticInput
    {
        get
        {
            var parts = new List<BitShareVector> { CarryBit ?? Zero() };
            parts.AddRange(Upper().Select(u => u.Plane));
            return _abb.ConcatBits([.. parts]);
        }
    }

    /// <summary>r_v = c₆₄ + Σ 2^{b−64}·(upper bit b of X and of Y), from the arithmetic form of <see cref="ArithmeticInput"/>.</summary>
    internal ShareVector Finish(ShareVector arithmetic)
    {
        uint[] weights = [1u, .. Upper().Select(u => u.Weight)];
        int v = _count;
        return _abb.Map(arithmetic, v, (s, o) =>
        {
            for (int h = 0; h < weights.Length; h++)
            {
                uint w = weights[h];
                for (int i = 0; i < v; i++)
                {
                    o[i] += w * s[(h * v) + i];
                }
            }
        });
    }

    private IEnumerable<(uint Weight, BitShareVector Plane)> Upper()
    {
        foreach (BitShareVector?[] number in new[] { _x, _y })
        {
            for (int b = Top; b < number.Length; b++)
            {
                if (number[b] is BitShareVector plane)
                {
                    yield return (1u << (b - Top), plane);
                }
            }
        }
    }

    private BitShareVector Zero() => _abb.PublicBits(new ulong[(_count + 63) >> 6], _count);

    private BitShareVector? Xor(BitShareVector? a, BitShareVector? b) => a is null ? b : b is null ? a : _abb.Xor(a, b);

    /// <inheritdoc/>
    protected override void PlanLevel()
    {
        while (true)
        {
            switch (_stage)
            {
                case Stage.CarrySave:
                    if (PlanCarrySave())
                    {
                        return;
                    }

                    FinishCarrySave();
                    break;
                case Stage.Generate:
                    if (PlanGenerate())
                    {
                        return;
                    }

                    _stage = Stage.Tree;
                    break;
                case Stage.Tree:
                    if (_nodes.Length <= 1)
                    {
                        CarryBit = _nodes.Length == 1 ? _nodes[0].G : null;
                        _stage = Stage.Done;
                        return;
                    }

                    if (PlanTree())
                    {
                        return;
                    }

                    break;
                default:
                    return;
            }
        }
    }

    /// <inheritdoc/>
    protected override void FinishLevel()
    {
        switch (_stage)
        {
            case Stage.CarrySave:
                FinishCarrySave();
                break;
            case Stage.Generate:
                _stage = Stage.Tree;
                break;
            case Stage.Tree:
                _nodes = _next!;
                _next = null;
                break;
        }
    }

    // ---- carry-save of three numbers A, B, C: X = A ⊕ B ⊕ C, Y = maj(A, B, C) shifted up by one.

    private bool PlanCarrySave()
    {
        int positions = _numbers[0].Length;
        _maj = new BitShareVector?[positions];
        bool asked = false;
        for (int b = 0; b < positions; b++)
        {
            int at = b;
            BitShareVector?[] present = [.. _numbers.Select(n => n[at]).Where(p => p is not null)];
            if (present.Length == 2)
            {
                Ask(present[0]!, present[1]!, z => _maj[at] = z);
                asked = true;
            }
            else if (present.Length == 3)
            {
                BitShareVector c = present[2]!;
                Ask(_abb.Xor(present[0]!, c), _abb.Xor(present[1]!, c), z => _maj[at] = _abb.Xor(z, c));
                asked = true;
            }
        }

        return asked;
    }

    private void FinishCarrySave()
    {
        int positions = _numbers[0].Length;
        _x = new BitShareVector?[positions + 1];
        _y = new BitShareVector?[positions + 1];
        for (int b = 0; b < positions; b++)
        {
            _x[b] = Xor(Xor(_numbers[0][b], _numbers[1][b]), _numbers[2][b]);
            _y[b + 1] = _maj[b];
        }

        _stage = Stage.Generate;
    }

    // ---- generate and propagate per position below 64, from the lowest position where both numbers can be non-zero
    // (below it no carry is generated, so the carry into it is 0 and its propagate bit is not needed).

    private bool PlanGenerate()
    {
        int first = 0;
        while (first < Top && (first >= _x.Length || first >= _y.Length || _x[first] is null || _y[first] is null))
        {
            first++;
        }

        if (first >= Top)
        {
            _nodes = [];
            return false;
        }

        _nodes = new (BitShareVector? G, BitShareVector? P)[Top - first];
        bool asked = false;
        for (int b = first; b < Top; b++)
        {
            int leaf = b - first;
            BitShareVector? x = b < _x.Length ? _x[b] : null, y = b < _y.Length ? _y[b] : null;
            _nodes[leaf] = (null, leaf == 0 ? null : Xor(x, y));
            if (x is not null && y is not null)
            {
                Ask(x, y, z => _nodes[leaf].G = z);
                asked = true;
            }
        }

        return asked;
    }

    // ---- one tree level: pairs (lo, hi) → (G_hi ⊕ P_hi ∧ G_lo, P_hi ∧ P_lo); the lowest group's P is never needed.

    private (BitShareVector? G, BitShareVector? P)[]? _next;

    private bool PlanTree()
    {
        int pairs = _nodes.Length / 2;
        var next = new (BitShareVector? G, BitShareVector? P)[pairs + (_nodes.Length % 2)];
        bool asked = false;
        for (int k = 0; k < pairs; k++)
        {
            int at = k;
            (BitShareVector? gLo, BitShareVector? pLo) = _nodes[2 * k];
            (BitShareVector? gHi, BitShareVector? pHi) = _nodes[(2 * k) + 1];
            next[k] = (gHi, null);
            if (pHi is not null && gLo is not null)
            {
                Ask(pHi, gLo, z => next[at].G = Xor(next[at].G, z));
                asked = true;
            }

            if (k > 0 && pHi is not null && pLo is not null)
            {
                Ask(pHi, pLo, z => next[at].P = z);
                asked = true;
            }
        }

        if (_nodes.Length % 2 == 1)
        {
            next[^1] = _nodes[^1];
        }

        if (asked)
        {
            _next = next;
        }
        else
        {
            _nodes = next;
        }

        return asked;
    }
}
