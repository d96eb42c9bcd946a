using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// One attempt of the greedy strategies on shares (see docs/secure-selection.md). Every branch below depends only on
/// public parameters (n, V, F, k, the quotas, the address groups, the step number), so the sequence of rounds and
/// message sizes is the same for every pool with the same public parameters. Nothing is opened here.
/// </summary>
/// <remarks>
/// Shared state per step: alive[j] (0/1), selected[v], below[v] = [selected[v] &lt; min[v]] (0/1),
/// deficit[v] = max(min[v] − selected[v], 0), a failure counter, and the panel (indicator and pick order).
/// Bounds that make every sign-bit comparison exact: n &lt; 2^15 and every min ≤ k ≤ n, so all counts, needs and
/// cross products stay below 2^31 in absolute value (the two-phase products selected·max below 2^30 by the layout check).
/// </remarks>
internal sealed class SecureGreedyEngine
{
    private const int LimbBits = 16;

    private readonly IArithmeticBlackBox _abb;
    private readonly SecureSelectionLayout _layout;
    private readonly ShareVector _x;
    private readonly SecureGreedyMode _mode;
    private readonly ISecureStepObserver? _observer;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f, _k;
    private readonly int[] _valueFeature;
    private readonly int[] _pairA, _pairB;
    private readonly int[,] _pairIndex;
    private readonly uint[] _min, _max;

    /// <summary>Scratch for the n × V broadcasts (FromShares copies it).</summary>
    private readonly uint[] _scratch;

    /// <summary>
    /// The columns of x except the last value of each feature (R = V − F of them), n × R. Because each row is
    /// one-hot within a feature, the last column is 1 minus the others, so a product of a per-person or per-value
    /// vector with x needs only these columns: the rest follows locally.
    /// </summary>
    private readonly ShareVector _xr;
    private readonly int _r;
    private readonly int[] _reduced;   // reduced column → value
    private readonly int[] _lastValue; // feature → its last value

    internal SecureGreedyEngine(IArithmeticBlackBox abb, SecurePool pool, SecureGreedyMode mode, ISecureStepObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Features.PartyIndex != abb.PartyIndex)
        {
            throw new ArgumentException($"The pool holds party {pool.Features.PartyIndex}'s shares; this black box is party {abb.PartyIndex}.", nameof(pool));
        }

        _abb = abb;
        _layout = pool.Layout;
        _x = pool.Features;
        _mode = mode;
        _observer = observer;
        _ct = cancellationToken;
        _n = _layout.CandidateCount;
        _v = _layout.ValueCount;
        _f = _layout.Features.Count;
        _k = _layout.PanelSize;
        _min = _layout.ValueMin.Select(m => (uint)m).ToArray();
        _max = _layout.ValueMax.Select(m => (uint)m).ToArray();
        _scratch = new uint[checked(_n * Math.Max(_v, _f))];
        _valueFeature = new int[_v];
        for (int f = 0; f < _f; f++)
        {
            for (int v = _layout.FeatureOffset[f]; v < _layout.FeatureOffset[f + 1]; v++)
            {
                _valueFeature[v] = f;
            }
        }

        _lastValue = new int[_f];
        for (int f = 0; f < _f; f++)
        {
            _lastValue[f] = _layout.FeatureOffset[f + 1] - 1;
        }

        _reduced = Enumerable.Range(0, _v).Where(v => v != _lastValue[_valueFeature[v]]).ToArray();
        _r = _reduced.Length;
        ReadOnlySpan<uint> xs = _x.Values;
        var xr = new uint[_n * _r];
        for (int j = 0; j < _n; j++)
        {
            for (int c = 0; c < _r; c++)
            {
                xr[(j * _r) + c] = xs[(j * _v) + _reduced[c]];
            }
        }

        _xr = abb.FromShares(xr);

        int pairs = _v * (_v - 1) / 2;
        _pairA = new int[pairs];
        _pairB = new int[pairs];
        _pairIndex = new int[_v, _v];
        int p = 0;
        for (int a = 0; a < _v; a++)
        {
            for (int b = a + 1; b < _v; b++)
            {
                _pairA[p] = a;
                _pairB[p] = b;
                _pairIndex[a, b] = _pairIndex[b, a] = p;
                p++;
            }
        }
    }

    private bool TwoPhase => _mode == SecureGreedyMode.TwoPhase;

    internal async ValueTask<SecureAttempt> RunAsync(BitShareVector tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (tape.PartyIndex != _abb.PartyIndex || tape.BitLength != 64 * _k)
        {
            throw new ArgumentException($"The tape must be this party's shares of {64 * _k} bits (k = {_k} words).", nameof(tape));
        }

        // ---- start: everyone alive, except the people having a value with max 0.
        ShareVector alive = await InitialAliveAsync().ConfigureAwait(false);
        ShareVector selected = _abb.Public(new uint[_v]);
        var belowPublic = new uint[_v];
        for (int v = 0; v < _v; v++)
        {
            belowPublic[v] = _min[v] > 0 ? 1u : 0u;
        }

        ShareVector below = _abb.Public(belowPublic);
        ShareVector deficit = _abb.Public(_min);
        ShareVector failures = _abb.Public([0u]);
        ShareVector panel = _abb.Public(new uint[_n]);
        ShareVector order = _abb.Public(new uint[_n]);

        for (int t = 0; t < _k; t++)
        {
            BitShareVector word = _abb.SliceBits(tape, 64 * t, 64);

            // ---- 1. alive ∘ x (and for two-phase Σ_{v ∈ f} below_v·x), remaining counts.
            ShareVector ax, belowOf = default!;
            if (TwoPhase)
            {
                ShareVector[] r1 = await MulAsync((ReducedRows(alive), _xr), (ReducedCols(below), _xr)).ConfigureAwait(false);
                ax = ExpandRows(r1[0], alive);
                belowOf = FeatureSumsOfReduced(r1[1], below); // n × F: person's value in f is below its min
            }
            else
            {
                ax = ExpandRows((await MulAsync((ReducedRows(alive), _xr)).ConfigureAwait(false))[0], alive);
            }

            ShareVector remaining = ColumnSums(ax);

            // ---- 2. "a beats b" for every pair a < b: D_ab ≥ 0.
            ShareVector d;
            if (TwoPhase)
            {
                // Lowest selected/max: a beats b iff selected_a·max_b ≤ selected_b·max_a (max public: local).
                d = _abb.Subtract(
                    _abb.MultiplyPublic(Gather(selected, _pairB), Gather(_max, _pairA)),
                    _abb.MultiplyPublic(Gather(selected, _pairA), Gather(_max, _pairB)));
            }
            else
            {
                // Highest need/remaining: a beats b iff need_a·rem_b ≥ need_b·rem_a.
                ShareVector need = _mode == SecureGreedyMode.LegacyClamped ? deficit : _abb.AddPublic(_abb.Negate(selected), _min);
                ShareVector[] cross = await MulAsync(
                    (Gather(need, _pairA), Gather(remaining, _pairB)),
                    (Gather(need, _pairB), Gather(remaining, _pairA))).ConfigureAwait(false);
                d = _abb.Subtract(cross[0], cross[1]);
            }

            // ---- 3. one batch of sign bits.
            ShareVector unreachableArg = _abb.AddPublic(_abb.Add(remaining, selected), Negated(_min)); // rem + sel − min < 0
            ShareVector slackMinusOne = default!, belowSumMinusOne = default!;
            var signInputs = new List<ShareVector> { d, _abb.AddPublic(remaining, uint.MaxValue), unreachableArg };
            if (TwoPhase)
            {
                // slack_f − 1 = (k − t − 1) − Σ_{v ∈ f} deficit_v ; "some value below its min" = Σ below ≥ 1.
                slackMinusOne = _abb.AddPublic(_abb.Negate(FeatureSums(deficit)), (uint)(_k - t - 1));
                belowSumMinusOne = _abb.AddPublic(Sum(below), uint.MaxValue);
                signInputs.Add(slackMinusOne);
                signInputs.Add(belowSumMinusOne);
            }

            BitShareVector[] signs = await SignsAsync([.. signInputs]).ConfigureAwait(false);
            BitShareVector lessThan = signs[0], empty = signs[1], unreachable = signs[2];

            // ---- 4. the chosen value as one-hot bits (values with nobody alive lose to all others).
            BitShareVector winnerBits = await WinnerAsync(lessThan, empty).ConfigureAwait(false);

            // ---- 5. B2A of everything boolean so far, and of the tape word.
            var b2a = new List<BitShareVector> { winnerBits, unreachable, word };
            if (TwoPhase)
            {
                b2a.Add(_abb.Not(signs[3])); // feature f has slack ≥ 1
                b2a.Add(_abb.Not(signs[4])); // phase 1
            }

            ShareVector[] arith = await ToArithmeticAsync([.. b2a]).ConfigureAwait(false);
            ShareVector winner = arith[0], unreachableA = arith[1], wordBits = arith[2];

            // ---- 6. eligible people e_j and their count.
            ShareVector eligible, count;
            ShareVector phase1 = default!;
            if (TwoPhase)
            {
                ShareVector featureOk = arith[3];
                phase1 = arith[4];
                ShareVector[] r6 = await MulAsync(
                    (Cols(winner), ax),
                    (belowOf, RowsOfFeatures(featureOk))).ConfigureAwait(false);
                ShareVector e2 = RowSums(r6[0], _v);
                ShareVector c2 = Sum(e2); // Σ_j Σ_v w_v·ax[j,v] = Σ_v w_v·remaining_v

                // ok_{j,f} = belowOf ∨ featureOk = belowOf + featureOk − belowOf·featureOk.
                ShareVector ok = _abb.Subtract(_abb.Add(belowOf, RowsOfFeatures(featureOk)), r6[1]);
                ShareVector helps = RowSums(belowOf, _f);
                ShareVector okMissing = _abb.AddPublic(RowSums(ok, _f), (uint)-_f);
                BitShareVector zeros = await _abb.IsZeroAsync(_abb.Concat(helps, okMissing), _ct).ConfigureAwait(false);
                BitShareVector helpsBit = _abb.Not(_abb.SliceBits(zeros, 0, _n));
                BitShareVector allOk = _abb.SliceBits(zeros, _n, _n);
                BitShareVector e1Bits = await _abb.AndAsync(helpsBit, allOk, _ct).ConfigureAwait(false);
                ShareVector e1Raw = await _abb.ToArithmeticAsync(e1Bits, _ct).ConfigureAwait(false);
                ShareVector e1 = (await MulAsync((alive, e1Raw)).ConfigureAwait(false))[0];
                ShareVector c1 = Sum(e1);

                // e = phase1 ? e1 : e2, count = phase1 ? c1 : c2.
                ShareVector both1 = _abb.Concat(e1, c1), both2 = _abb.Concat(e2, c2);
                ShareVector delta = (await MulAsync((Broadcast(phase1, _n + 1), _abb.Subtract(both1, both2))).ConfigureAwait(false))[0];
                ShareVector chosen = _abb.Add(both2, delta);
                eligible = _abb.Slice(chosen, 0, _n);
                count = _abb.Slice(chosen, _n, 1);
            }
            else
            {
                eligible = RowSums((await MulAsync((Cols(winner), ax)).ConfigureAwait(false))[0], _v);
                count = Sum(eligible); // Σ_j Σ_v w_v·ax[j,v] = Σ_v w_v·remaining_v
            }

            // ---- 7. the draw r = ⌊word · count / 2^64⌋, exactly, with 16-bit limbs.
            ShareVector rank = await DrawAsync(wordBits, count).ConfigureAwait(false);

            // ---- 8. the r-th eligible person: t_j = [P_j > r], pick = t_j − t_{j−1}; and [count = 0].
            ShareVector prefix = PrefixSums(eligible);
            BitShareVector[] s8 = await SignsAsync(_abb.Subtract(Broadcast(rank, _n), prefix), _abb.AddPublic(count, uint.MaxValue)).ConfigureAwait(false);
            BitShareVector above = s8[0];
            BitShareVector before = _n > 1
                ? _abb.ConcatBits(_abb.PublicBits([0UL], 1), _abb.SliceBits(above, 0, _n - 1))
                : _abb.PublicBits([0UL], 1);
            ShareVector[] a9 = await ToArithmeticAsync(_abb.Xor(above, before), s8[1]).ConfigureAwait(false);
            ShareVector pick = a9[0];
            failures = _abb.Add(failures, _abb.Add(Sum(unreachableA), a9[1]));

            _observer?.OnStep(_abb.PartyIndex, t, new SecureStepShares(
                word.Words[0],
                winner.Values.ToArray(),
                TwoPhase ? phase1.Values[0] : 0u,
                rank.Values[0],
                pick.Values.ToArray()));

            // ---- 10. count the pick into its values; record it.
            ShareVector pickX = ExpandRows((await MulAsync((ReducedRows(pick), _xr)).ConfigureAwait(false))[0], pick);
            selected = _abb.Add(selected, ColumnSums(pickX));
            panel = _abb.Add(panel, pick);
            order = _abb.Add(order, _abb.MultiplyPublic(pick, (uint)(t + 1)));

            // ---- 11–12. full[v] = [selected ≥ max], below[v] = [selected < min].
            BitShareVector[] s11 = await SignsAsync(_abb.AddPublic(selected, Negated(_max)), _abb.AddPublic(selected, Negated(_min))).ConfigureAwait(false);
            ShareVector[] a12 = await ToArithmeticAsync(_abb.Not(s11[0]), s11[1]).ConfigureAwait(false);
            ShareVector full = a12[0];
            below = a12[1];
            if (t == _k - 1)
            {
                break; // the final check needs only `below`
            }

            // ---- 13–16. remove the pick, its household and everyone in a full value; deficit for the next step.
            ShareVector fullOf = FeatureSumsOfReduced((await MulAsync((ReducedCols(full), _xr)).ConfigureAwait(false))[0], full);
            ShareVector blocked = _abb.Add(RowSums(fullOf, _f), GroupSums(pick));
            BitShareVector keepBits = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
            ShareVector keep = await _abb.ToArithmeticAsync(keepBits, _ct).ConfigureAwait(false);
            ShareVector[] r16 = await MulAsync((alive, keep), (_abb.AddPublic(_abb.Negate(selected), _min), below)).ConfigureAwait(false);
            alive = r16[0];
            deficit = r16[1];
        }

        // ---- end: success iff no step failed and every minimum is met.
        failures = _abb.Add(failures, Sum(below));
        BitShareVector success = await _abb.IsZeroAsync(failures, _ct).ConfigureAwait(false);
        return new SecureAttempt(success, panel, order, selected);
    }

    // ------------------------------------------------------------------ pieces

    /// <summary>alive_j = [person j has no value with max 0]; public all-ones when no value has max 0.</summary>
    private async ValueTask<ShareVector> InitialAliveAsync()
    {
        var zeroMax = new uint[_v];
        bool any = false;
        for (int v = 0; v < _v; v++)
        {
            if (_max[v] == 0)
            {
                zeroMax[v] = 1;
                any = true;
            }
        }

        var ones = new uint[_n];
        ones.AsSpan().Fill(1);
        if (!any)
        {
            return _abb.Public(ones);
        }

        ShareVector blocked = RowSums(_abb.MultiplyPublic(_x, Tile(zeroMax, _n)), _v);
        BitShareVector keep = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
        return await _abb.ToArithmeticAsync(keep, _ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The winner of the value choice as one-hot bits: v wins iff someone with v is alive, v beats every lower value
    /// strictly and every higher value at least weakly (ties to the lowest index), and values with nobody alive lose.
    /// <paramref name="lessThan"/> bit p is 1 iff D_ab &lt; 0 for pair p = (a, b), a &lt; b ("b strictly better").
    /// </summary>
    private async ValueTask<BitShareVector> WinnerAsync(BitShareVector lessThan, BitShareVector empty)
    {
        BitShareVector present = _abb.Not(empty);
        if (_v == 1)
        {
            return present;
        }

        int contests = _v * (_v - 1);
        var opponentPresent = new ulong[Words(contests)];
        var opponentBetter = new ulong[Words(contests)];
        ReadOnlySpan<ulong> ps = present.Words, ls = lessThan.Words;
        ulong flip = _abb.PartyIndex == 0 ? 1UL : 0UL;
        for (int v = 0; v < _v; v++)
        {
            for (int o = 0; o < _v - 1; o++)
            {
                int u = o < v ? o : o + 1;
                int idx = (v * (_v - 1)) + o;
                int p = _pairIndex[v, u];

                // u better than v: for v < u, D_vu < 0; for u < v, D_uv ≥ 0 (¬lessThan).
                ulong better = v < u ? Bit(ls, p) : Bit(ls, p) ^ flip;
                SetBit(opponentPresent, idx, Bit(ps, u));
                SetBit(opponentBetter, idx, better);
            }
        }

        BitShareVector loses = await _abb.AndAsync(_abb.FromBitShares(opponentPresent, contests), _abb.FromBitShares(opponentBetter, contests), _ct).ConfigureAwait(false);
        BitShareVector wins = _abb.Not(loses);
        ReadOnlySpan<ulong> ws = wins.Words;
        var planes = new List<BitShareVector>(_v) { present };
        for (int o = 0; o < _v - 1; o++)
        {
            var plane = new ulong[Words(_v)];
            for (int v = 0; v < _v; v++)
            {
                SetBit(plane, v, Bit(ws, (v * (_v - 1)) + o));
            }

            planes.Add(_abb.FromBitShares(plane, _v));
        }

        return await _abb.AndAllAsync(planes, _v, _ct).ConfigureAwait(false);
    }

    /// <summary>r = ⌊U·c / 2^64⌋ for the 64-bit word U (as 64 shared 0/1 values) and 0 ≤ c &lt; 2^15.</summary>
    /// <remarks>
    /// <para>With 16-bit limbs U = Σ u_i 2^{16i}, the products m_i = u_i·c &lt; 2^31 are split in one batch into
    /// m_i = h_i·2^16 + l_i (one exact shift of four values). Then U·c = Σ_{i=0..3} e_i 2^{16i} + h_3·2^64 with
    /// e_0 = l_0 &lt; 2^16 and e_i = l_i + h_{i−1} &lt; 2^16 + 2^15, so r = h_3 + c_4 where c_4 is the carry out of the
    /// base-2^16 addition of the "digits" e_i. Every carry is 0 or 1: c_1 = 0, c_{i+1} = g_i ∨ (p_i ∧ c_i) with
    /// g_i = [e_i ≥ 2^16] and p_i = [e_i = 2^16 − 1] = [e_i ≥ 2^16 − 1] ⊕ g_i (g_i and p_i exclude each other, so ∨ is ⊕).</para>
    /// <para>Rounds: 1 (products) + 9 (shift) + 7 (six sign bits) + 2 (carry chain) + 2 (B2A of c_4) = 21.</para>
    /// </remarks>
    private ValueTask<ShareVector> DrawAsync(ShareVector wordBits, ShareVector count) => UniformDrawAsync(_abb, wordBits, count, _ct);

    /// <summary>The draw on its own (see <see cref="DrawAsync"/>); internal for tests.</summary>
    internal static async ValueTask<ShareVector> UniformDrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct)
    {
        const int limbs = 64 / LimbBits;
        const uint radix = 1u << LimbBits;
        var limbShares = new uint[limbs];
        ReadOnlySpan<uint> bits = wordBits.Values;
        for (int i = 0; i < limbs; i++)
        {
            for (int b = 0; b < LimbBits; b++)
            {
                limbShares[i] += bits[(i * LimbBits) + b] << b;
            }
        }

        var countShares = new uint[limbs];
        countShares.AsSpan().Fill(count.Values[0]);
        ShareVector m = await abb.MultiplyAsync(abb.FromShares(limbShares), abb.FromShares(countShares), ct).ConfigureAwait(false);
        ShareVector h = await abb.ShiftRightAsync(m, LimbBits, ct).ConfigureAwait(false);
        ShareVector l = abb.Subtract(m, abb.MultiplyPublic(h, radix));

        // e_i = l_i + h_{i−1} for i = 1..3.
        ShareVector e = abb.Add(abb.Slice(l, 1, limbs - 1), abb.Slice(h, 0, limbs - 1));

        // Sign bits of e − (2^16 − 1) and e − 2^16: not negative means "≥".
        BitShareVector signs = await abb.IsNegativeAsync(abb.Concat(abb.AddPublic(e, unchecked(0u - (radix - 1))), abb.AddPublic(e, unchecked(0u - radix))), ct).ConfigureAwait(false);
        BitShareVector atLeastBase = abb.Not(abb.SliceBits(signs, limbs - 1, limbs - 1));                   // g_1, g_2, g_3
        BitShareVector propagate = abb.Xor(abb.Not(abb.SliceBits(signs, 0, limbs - 1)), atLeastBase); // p_1, p_2, p_3
        BitShareVector g1 = abb.SliceBits(atLeastBase, 0, 1), g2 = abb.SliceBits(atLeastBase, 1, 1), g3 = abb.SliceBits(atLeastBase, 2, 1);
        BitShareVector p2 = abb.SliceBits(propagate, 1, 1), p3 = abb.SliceBits(propagate, 2, 1);

        BitShareVector c3 = abb.Xor(g2, await abb.AndAsync(p2, g1, ct).ConfigureAwait(false));
        BitShareVector c4 = abb.Xor(g3, await abb.AndAsync(p3, c3, ct).ConfigureAwait(false));
        ShareVector carry = await abb.ToArithmeticAsync(c4, ct).ConfigureAwait(false);
        return abb.Add(abb.Slice(h, limbs - 1, 1), carry);
    }

    // ------------------------------------------------------------------ batching helpers

    private async ValueTask<ShareVector[]> MulAsync(params (ShareVector X, ShareVector Y)[] pairs)
    {
        if (pairs.Length == 1)
        {
            return [await _abb.MultiplyAsync(pairs[0].X, pairs[0].Y, _ct).ConfigureAwait(false)];
        }

        var xs = new ShareVector[pairs.Length];
        var ys = new ShareVector[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            (xs[i], ys[i]) = pairs[i];
        }

        ShareVector z = await _abb.MultiplyAsync(_abb.Concat(xs), _abb.Concat(ys), _ct).ConfigureAwait(false);
        return Split(z, xs);
    }

    private async ValueTask<BitShareVector[]> SignsAsync(params ShareVector[] parts)
    {
        BitShareVector all = await _abb.IsNegativeAsync(_abb.Concat(parts), _ct).ConfigureAwait(false);
        var result = new BitShareVector[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.SliceBits(all, at, parts[i].Length);
            at += parts[i].Length;
        }

        return result;
    }

    private async ValueTask<ShareVector[]> ToArithmeticAsync(params BitShareVector[] parts)
    {
        ShareVector all = await _abb.ToArithmeticAsync(_abb.ConcatBits(parts), _ct).ConfigureAwait(false);
        var result = new ShareVector[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.Slice(all, at, parts[i].BitLength);
            at += parts[i].BitLength;
        }

        return result;
    }

    private ShareVector[] Split(ShareVector z, ShareVector[] like)
    {
        var result = new ShareVector[like.Length];
        int at = 0;
        for (int i = 0; i < like.Length; i++)
        {
            result[i] = _abb.Slice(z, at, like[i].Length);
            at += like[i].Length;
        }

        return result;
    }

    // ------------------------------------------------------------------ local linear maps on shares
    // A linear map without constant term applied to each party's shares gives shares of the mapped secrets.

    /// <summary>n × R: row j is perPerson[j] repeated (for a product with the reduced columns).</summary>
    private ShareVector ReducedRows(ShareVector perPerson)
    {
        ReadOnlySpan<uint> s = perPerson.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _r);
        for (int j = 0; j < _n; j++)
        {
            r.Slice(j * _r, _r).Fill(s[j]);
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V from a[j]·x[j,v] on the reduced columns: the last value of feature f is a[j] − Σ of the others.</summary>
    private ShareVector ExpandRows(ShareVector reducedProduct, ShareVector perPerson)
    {
        ReadOnlySpan<uint> p = reducedProduct.Values, a = perPerson.Values;
        var r = new uint[_n * _v];
        Span<uint> featureSum = stackalloc uint[_f];
        for (int j = 0; j < _n; j++)
        {
            featureSum.Clear();
            int row = j * _v;
            for (int c = 0; c < _r; c++)
            {
                int v = _reduced[c];
                uint x = p[(j * _r) + c];
                r[row + v] = x;
                featureSum[_valueFeature[v]] += x;
            }

            for (int f = 0; f < _f; f++)
            {
                r[row + _lastValue[f]] = a[j] - featureSum[f];
            }
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × R: every row is (c_v − c_last(f(v))) over the reduced columns v.</summary>
    private ShareVector ReducedCols(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        Span<uint> row = stackalloc uint[_r];
        for (int c = 0; c < _r; c++)
        {
            int v = _reduced[c];
            row[c] = s[v] - s[_lastValue[_valueFeature[v]]];
        }

        Span<uint> r = _scratch.AsSpan(0, _n * _r);
        for (int j = 0; j < _n; j++)
        {
            row.CopyTo(r.Slice(j * _r, _r));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: Σ_{v ∈ f} c_v·x[j,v] = c_last(f) + Σ_{v ∈ f, not last} (c_v − c_last(f))·x[j,v], from the product of <see cref="ReducedCols"/> with the reduced columns.</summary>
    private ShareVector FeatureSumsOfReduced(ShareVector reducedProduct, ShareVector perValue)
    {
        ReadOnlySpan<uint> p = reducedProduct.Values, c = perValue.Values;
        var r = new uint[_n * _f];
        for (int j = 0; j < _n; j++)
        {
            int row = j * _f;
            for (int f = 0; f < _f; f++)
            {
                r[row + f] = c[_lastValue[f]];
            }

            for (int k = 0; k < _r; k++)
            {
                r[row + _valueFeature[_reduced[k]]] += p[(j * _r) + k];
            }
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V: every row is the per-value vector.</summary>
    private ShareVector Cols(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _v);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _v, _v));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: every row is the per-feature vector.</summary>
    private ShareVector RowsOfFeatures(ShareVector perFeature)
    {
        ReadOnlySpan<uint> s = perFeature.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _f);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _f, _f));
        }

        return _abb.FromShares(r);
    }

    private ShareVector Broadcast(ShareVector single, int length)
    {
        var r = new uint[length];
        r.AsSpan().Fill(single.Values[0]);
        return _abb.FromShares(r);
    }

    private ShareVector ColumnSums(ShareVector matrix)
    {
        ReadOnlySpan<uint> s = matrix.Values;
        var r = new uint[_v];
        for (int j = 0; j < _n; j++)
        {
            ReadOnlySpan<uint> row = s.Slice(j * _v, _v);
            for (int v = 0; v < _v; v++)
            {
                r[v] += row[v];
            }
        }

        return _abb.FromShares(r);
    }

    private ShareVector RowSums(ShareVector matrix, int width)
    {
        ReadOnlySpan<uint> s = matrix.Values;
        var r = new uint[_n];
        for (int j = 0; j < _n; j++)
        {
            uint acc = 0;
            foreach (uint x in s.Slice(j * width, width))
            {
                acc += x;
            }

            r[j] = acc;
        }

        return _abb.FromShares(r);
    }

    /// <summary>F: Σ_{v ∈ f} x[v].</summary>
    private ShareVector FeatureSums(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        var r = new uint[_f];
        for (int v = 0; v < _v; v++)
        {
            r[_valueFeature[v]] += s[v];
        }

        return _abb.FromShares(r);
    }

    private ShareVector Sum(ShareVector x)
    {
        uint acc = 0;
        foreach (uint s in x.Values)
        {
            acc += s;
        }

        return _abb.FromShares([acc]);
    }

    private ShareVector PrefixSums(ShareVector x)
    {
        ReadOnlySpan<uint> s = x.Values;
        var r = new uint[s.Length];
        uint acc = 0;
        for (int i = 0; i < s.Length; i++)
        {
            acc += s[i];
            r[i] = acc;
        }

        return _abb.FromShares(r);
    }

    /// <summary>h_j = Σ over j's address group of pick (pick_j itself when j shares no address).</summary>
    private ShareVector GroupSums(ShareVector pick)
    {
        uint[] r = pick.Values.ToArray();
        ReadOnlySpan<uint> s = pick.Values;
        foreach (int[] group in _layout.HouseholdGroups)
        {
            uint acc = 0;
            foreach (int j in group)
            {
                acc += s[j];
            }

            foreach (int j in group)
            {
                r[j] = acc;
            }
        }

        return _abb.FromShares(r);
    }

    private ShareVector Gather(ShareVector x, int[] index)
    {
        ReadOnlySpan<uint> s = x.Values;
        var r = new uint[index.Length];
        for (int i = 0; i < index.Length; i++)
        {
            r[i] = s[index[i]];
        }

        return _abb.FromShares(r);
    }

    private static uint[] Gather(uint[] x, int[] index)
    {
        var r = new uint[index.Length];
        for (int i = 0; i < index.Length; i++)
        {
            r[i] = x[index[i]];
        }

        return r;
    }

    private static uint[] Negated(uint[] x) => x.Select(c => 0u - c).ToArray();

    private static uint[] Tile(uint[] row, int times)
    {
        var r = new uint[row.Length * times];
        for (int j = 0; j < times; j++)
        {
            row.CopyTo(r, j * row.Length);
        }

        return r;
    }

    private static int Words(int bits) => (bits + 63) >> 6;

    private static ulong Bit(ReadOnlySpan<ulong> words, int i) => (words[i >> 6] >> (i & 63)) & 1UL;

    private static void SetBit(ulong[] words, int i, ulong bit) => words[i >> 6] |= bit << (i & 63);
}
