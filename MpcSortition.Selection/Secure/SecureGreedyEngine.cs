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
    private readonly SharedVector _x;
    private readonly SecureGreedyMode _mode;
    private readonly ISecureStepObserver? _observer;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f, _k;
    private readonly int[] _valueFeature;
    private readonly int[] _pairA, _pairB;
    private readonly int[,] _pairIndex;
    private readonly uint[] _min, _max;

    /// <summary>Scratch for the n × V broadcasts (<see cref="IArithmeticBlackBox.FromShares"/> copies it).</summary>
    private readonly uint[] _scratch;

    /// <summary>
    /// The columns of x except the last value of each feature (R = V − F of them), n × R. Because each row is
    /// one-hot within a feature, the last column is 1 minus the others, so a product of a per-person or per-value
    /// vector with x needs only these columns: the rest follows locally.
    /// </summary>
    private readonly SharedVector _xr;
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
        ReadOnlySpan<uint> xs = _x.Shares;
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

    internal async ValueTask<SecureAttempt> RunAsync(SharedBits tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (tape.PartyIndex != _abb.PartyIndex || tape.BitLength != 64 * _k)
        {
            throw new ArgumentException($"The tape must be this party's shares of {64 * _k} bits (k = {_k} words).", nameof(tape));
        }

        // ---- start: everyone alive, except the people having a value with max 0.
        SharedVector alive = await InitialAliveAsync().ConfigureAwait(false);
        SharedVector selected = _abb.Public(new uint[_v]);
        var belowPublic = new uint[_v];
        for (int v = 0; v < _v; v++)
        {
            belowPublic[v] = _min[v] > 0 ? 1u : 0u;
        }

        SharedVector below = _abb.Public(belowPublic);
        SharedVector deficit = _abb.Public(_min);
        SharedVector failures = _abb.Public([0u]);
        SharedVector panel = _abb.Public(new uint[_n]);
        SharedVector order = _abb.Public(new uint[_n]);

        for (int t = 0; t < _k; t++)
        {
            SharedBits word = _abb.SliceBits(tape, 64 * t, 64);

            // ---- 1. alive ∘ x (and for two-phase Σ_{v ∈ f} below_v·x), remaining counts.
            SharedVector ax, belowOf = default!;
            if (TwoPhase)
            {
                SharedVector[] r1 = await MulAsync((ReducedRows(alive), _xr), (ReducedCols(below), _xr)).ConfigureAwait(false);
                ax = ExpandRows(r1[0], alive);
                belowOf = FeatureSumsOfReduced(r1[1], below); // n × F: person's value in f is below its min
            }
            else
            {
                ax = ExpandRows((await MulAsync((ReducedRows(alive), _xr)).ConfigureAwait(false))[0], alive);
            }

            SharedVector remaining = ColumnSums(ax);

            // ---- 2. "a beats b" for every pair a < b: D_ab ≥ 0.
            SharedVector d;
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
                SharedVector need = _mode == SecureGreedyMode.LegacyClamped ? deficit : _abb.AddPublic(_abb.Negate(selected), _min);
                SharedVector[] cross = await MulAsync(
                    (Gather(need, _pairA), Gather(remaining, _pairB)),
                    (Gather(need, _pairB), Gather(remaining, _pairA))).ConfigureAwait(false);
                d = _abb.Subtract(cross[0], cross[1]);
            }

            // ---- 3. one batch of sign bits.
            SharedVector unreachableArg = _abb.AddPublic(_abb.Add(remaining, selected), Negated(_min)); // rem + sel − min < 0
            SharedVector slackMinusOne = default!, belowSumMinusOne = default!;
            var signInputs = new List<SharedVector> { d, _abb.AddPublic(remaining, uint.MaxValue), unreachableArg };
            if (TwoPhase)
            {
                // slack_f − 1 = (k − t − 1) − Σ_{v ∈ f} deficit_v ; "some value below its min" = Σ below ≥ 1.
                slackMinusOne = _abb.AddPublic(_abb.Negate(FeatureSums(deficit)), (uint)(_k - t - 1));
                belowSumMinusOne = _abb.AddPublic(Sum(below), uint.MaxValue);
                signInputs.Add(slackMinusOne);
                signInputs.Add(belowSumMinusOne);
            }

            SharedBits[] signs = await SignsAsync([.. signInputs]).ConfigureAwait(false);
            SharedBits lessThan = signs[0], empty = signs[1], unreachable = signs[2];

            // ---- 4. the chosen value as one-hot bits (values with nobody alive lose to all others).
            SharedBits winnerBits = await WinnerAsync(lessThan, empty).ConfigureAwait(false);

            // ---- 5. B2A of everything boolean so far, and of the tape word.
            var b2a = new List<SharedBits> { winnerBits, unreachable, word };
            if (TwoPhase)
            {
                b2a.Add(_abb.Not(signs[3])); // feature f has slack ≥ 1
                b2a.Add(_abb.Not(signs[4])); // phase 1
            }

            SharedVector[] arith = await ToArithmeticAsync([.. b2a]).ConfigureAwait(false);
            SharedVector winner = arith[0], unreachableA = arith[1], wordBits = arith[2];

            // ---- 6. eligible people e_j and their count.
            SharedVector eligible, count;
            SharedVector phase1 = default!;
            if (TwoPhase)
            {
                SharedVector featureOk = arith[3];
                phase1 = arith[4];
                SharedVector[] r6 = await MulAsync(
                    (Cols(winner), ax),
                    (belowOf, RowsOfFeatures(featureOk))).ConfigureAwait(false);
                SharedVector e2 = RowSums(r6[0], _v);
                SharedVector c2 = Sum(e2); // Σ_j Σ_v w_v·ax[j,v] = Σ_v w_v·remaining_v

                // ok_{j,f} = belowOf ∨ featureOk = belowOf + featureOk − belowOf·featureOk.
                SharedVector ok = _abb.Subtract(_abb.Add(belowOf, RowsOfFeatures(featureOk)), r6[1]);
                SharedVector helps = RowSums(belowOf, _f);
                SharedVector okMissing = _abb.AddPublic(RowSums(ok, _f), (uint)-_f);
                SharedBits zeros = await _abb.IsZeroAsync(_abb.Concat(helps, okMissing), _ct).ConfigureAwait(false);
                SharedBits helpsBit = _abb.Not(_abb.SliceBits(zeros, 0, _n));
                SharedBits allOk = _abb.SliceBits(zeros, _n, _n);
                SharedBits e1Bits = await _abb.AndAsync(helpsBit, allOk, _ct).ConfigureAwait(false);
                SharedVector e1Raw = await _abb.ToArithmeticAsync(e1Bits, _ct).ConfigureAwait(false);
                SharedVector e1 = (await MulAsync((alive, e1Raw)).ConfigureAwait(false))[0];
                SharedVector c1 = Sum(e1);

                // e = phase1 ? e1 : e2, count = phase1 ? c1 : c2.
                SharedVector both1 = _abb.Concat(e1, c1), both2 = _abb.Concat(e2, c2);
                SharedVector delta = (await MulAsync((Broadcast(phase1, _n + 1), _abb.Subtract(both1, both2))).ConfigureAwait(false))[0];
                SharedVector chosen = _abb.Add(both2, delta);
                eligible = _abb.Slice(chosen, 0, _n);
                count = _abb.Slice(chosen, _n, 1);
            }
            else
            {
                eligible = RowSums((await MulAsync((Cols(winner), ax)).ConfigureAwait(false))[0], _v);
                count = Sum(eligible); // Σ_j Σ_v w_v·ax[j,v] = Σ_v w_v·remaining_v
            }

            // ---- 7. the draw r = ⌊word · count / 2^64⌋, exactly, with 16-bit limbs.
            SharedVector rank = await DrawAsync(wordBits, count).ConfigureAwait(false);

            // ---- 8. the r-th eligible person: t_j = [P_j > r], pick = t_j − t_{j−1}; and [count = 0].
            SharedVector prefix = PrefixSums(eligible);
            SharedBits[] s8 = await SignsAsync(_abb.Subtract(Broadcast(rank, _n), prefix), _abb.AddPublic(count, uint.MaxValue)).ConfigureAwait(false);
            SharedBits above = s8[0];
            SharedBits before = _n > 1
                ? _abb.ConcatBits(_abb.PublicBits([0UL], 1), _abb.SliceBits(above, 0, _n - 1))
                : _abb.PublicBits([0UL], 1);
            SharedVector[] a9 = await ToArithmeticAsync(_abb.Xor(above, before), s8[1]).ConfigureAwait(false);
            SharedVector pick = a9[0];
            failures = _abb.Add(failures, _abb.Add(Sum(unreachableA), a9[1]));

            _observer?.OnStep(_abb.PartyIndex, t, new SecureStepShares(
                word.Shares[0],
                winner.Shares.ToArray(),
                TwoPhase ? phase1.Shares[0] : 0u,
                rank.Shares[0],
                pick.Shares.ToArray()));

            // ---- 10. count the pick into its values; record it.
            SharedVector pickX = ExpandRows((await MulAsync((ReducedRows(pick), _xr)).ConfigureAwait(false))[0], pick);
            selected = _abb.Add(selected, ColumnSums(pickX));
            panel = _abb.Add(panel, pick);
            order = _abb.Add(order, _abb.MultiplyPublic(pick, (uint)(t + 1)));

            // ---- 11–12. full[v] = [selected ≥ max], below[v] = [selected < min].
            SharedBits[] s11 = await SignsAsync(_abb.AddPublic(selected, Negated(_max)), _abb.AddPublic(selected, Negated(_min))).ConfigureAwait(false);
            SharedVector[] a12 = await ToArithmeticAsync(_abb.Not(s11[0]), s11[1]).ConfigureAwait(false);
            SharedVector full = a12[0];
            below = a12[1];
            if (t == _k - 1)
            {
                break; // the final check needs only `below`
            }

            // ---- 13–16. remove the pick, its household and everyone in a full value; deficit for the next step.
            SharedVector fullOf = FeatureSumsOfReduced((await MulAsync((ReducedCols(full), _xr)).ConfigureAwait(false))[0], full);
            SharedVector blocked = _abb.Add(RowSums(fullOf, _f), GroupSums(pick));
            SharedBits keepBits = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
            SharedVector keep = await _abb.ToArithmeticAsync(keepBits, _ct).ConfigureAwait(false);
            SharedVector[] r16 = await MulAsync((alive, keep), (_abb.AddPublic(_abb.Negate(selected), _min), below)).ConfigureAwait(false);
            alive = r16[0];
            deficit = r16[1];
        }

        // ---- end: success iff no step failed and every minimum is met.
        failures = _abb.Add(failures, Sum(below));
        SharedBits success = await _abb.IsZeroAsync(failures, _ct).ConfigureAwait(false);
        return new SecureAttempt(success, panel, order, selected);
    }

    // ------------------------------------------------------------------ pieces

    /// <summary>alive_j = [person j has no value with max 0]; public all-ones when no value has max 0.</summary>
    private async ValueTask<SharedVector> InitialAliveAsync()
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

        SharedVector blocked = RowSums(_abb.MultiplyPublic(_x, Tile(zeroMax, _n)), _v);
        SharedBits keep = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
        return await _abb.ToArithmeticAsync(keep, _ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The winner of the value choice as one-hot bits: v wins iff someone with v is alive, v beats every lower value
    /// strictly and every higher value at least weakly (ties to the lowest index), and values with nobody alive lose.
    /// <paramref name="lessThan"/> bit p is 1 iff D_ab &lt; 0 for pair p = (a, b), a &lt; b ("b strictly better").
    /// </summary>
    private async ValueTask<SharedBits> WinnerAsync(SharedBits lessThan, SharedBits empty)
    {
        SharedBits present = _abb.Not(empty);
        if (_v == 1)
        {
            return present;
        }

        int contests = _v * (_v - 1);
        var opponentPresent = new ulong[Words(contests)];
        var opponentBetter = new ulong[Words(contests)];
        ReadOnlySpan<ulong> ps = present.Shares, ls = lessThan.Shares;
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

        SharedBits loses = await _abb.AndAsync(_abb.FromBitShares(opponentPresent, contests), _abb.FromBitShares(opponentBetter, contests), _ct).ConfigureAwait(false);
        SharedBits wins = _abb.Not(loses);
        ReadOnlySpan<ulong> ws = wins.Shares;
        var planes = new List<SharedBits>(_v) { present };
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
    private ValueTask<SharedVector> DrawAsync(SharedVector wordBits, SharedVector count) => UniformDrawAsync(_abb, wordBits, count, _ct);

    /// <summary>The draw on its own (see <see cref="DrawAsync"/>); internal for tests.</summary>
    internal static async ValueTask<SharedVector> UniformDrawAsync(IArithmeticBlackBox abb, SharedVector wordBits, SharedVector count, CancellationToken ct)
    {
        const int limbs = 64 / LimbBits;
        const uint radix = 1u << LimbBits;
        var limbShares = new uint[limbs];
        ReadOnlySpan<uint> bits = wordBits.Shares;
        for (int i = 0; i < limbs; i++)
        {
            for (int b = 0; b < LimbBits; b++)
            {
                limbShares[i] += bits[(i * LimbBits) + b] << b;
            }
        }

        var countShares = new uint[limbs];
        countShares.AsSpan().Fill(count.Shares[0]);
        SharedVector m = await abb.MultiplyAsync(abb.FromShares(limbShares), abb.FromShares(countShares), ct).ConfigureAwait(false);
        SharedVector h = await abb.ShiftRightAsync(m, LimbBits, ct).ConfigureAwait(false);
        SharedVector l = abb.Subtract(m, abb.MultiplyPublic(h, radix));

        // e_i = l_i + h_{i−1} for i = 1..3.
        SharedVector e = abb.Add(abb.Slice(l, 1, limbs - 1), abb.Slice(h, 0, limbs - 1));

        // Sign bits of e − (2^16 − 1) and e − 2^16: not negative means "≥".
        SharedBits signs = await abb.IsNegativeAsync(abb.Concat(abb.AddPublic(e, unchecked(0u - (radix - 1))), abb.AddPublic(e, unchecked(0u - radix))), ct).ConfigureAwait(false);
        SharedBits atLeastBase = abb.Not(abb.SliceBits(signs, limbs - 1, limbs - 1));                   // g_1, g_2, g_3
        SharedBits propagate = abb.Xor(abb.Not(abb.SliceBits(signs, 0, limbs - 1)), atLeastBase); // p_1, p_2, p_3
        SharedBits g1 = abb.SliceBits(atLeastBase, 0, 1), g2 = abb.SliceBits(atLeastBase, 1, 1), g3 = abb.SliceBits(atLeastBase, 2, 1);
        SharedBits p2 = abb.SliceBits(propagate, 1, 1), p3 = abb.SliceBits(propagate, 2, 1);

        SharedBits c3 = abb.Xor(g2, await abb.AndAsync(p2, g1, ct).ConfigureAwait(false));
        SharedBits c4 = abb.Xor(g3, await abb.AndAsync(p3, c3, ct).ConfigureAwait(false));
        SharedVector carry = await abb.ToArithmeticAsync(c4, ct).ConfigureAwait(false);
        return abb.Add(abb.Slice(h, limbs - 1, 1), carry);
    }

    // ------------------------------------------------------------------ batching helpers

    private async ValueTask<SharedVector[]> MulAsync(params (SharedVector X, SharedVector Y)[] pairs)
    {
        if (pairs.Length == 1)
        {
            return [await _abb.MultiplyAsync(pairs[0].X, pairs[0].Y, _ct).ConfigureAwait(false)];
        }

        var xs = new SharedVector[pairs.Length];
        var ys = new SharedVector[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            (xs[i], ys[i]) = pairs[i];
        }

        SharedVector z = await _abb.MultiplyAsync(_abb.Concat(xs), _abb.Concat(ys), _ct).ConfigureAwait(false);
        return Split(z, xs);
    }

    private async ValueTask<SharedBits[]> SignsAsync(params SharedVector[] parts)
    {
        SharedBits all = await _abb.IsNegativeAsync(_abb.Concat(parts), _ct).ConfigureAwait(false);
        var result = new SharedBits[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.SliceBits(all, at, parts[i].Length);
            at += parts[i].Length;
        }

        return result;
    }

    private async ValueTask<SharedVector[]> ToArithmeticAsync(params SharedBits[] parts)
    {
        SharedVector all = await _abb.ToArithmeticAsync(_abb.ConcatBits(parts), _ct).ConfigureAwait(false);
        var result = new SharedVector[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.Slice(all, at, parts[i].BitLength);
            at += parts[i].BitLength;
        }

        return result;
    }

    private SharedVector[] Split(SharedVector z, SharedVector[] like)
    {
        var result = new SharedVector[like.Length];
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
    private SharedVector ReducedRows(SharedVector perPerson)
    {
        ReadOnlySpan<uint> s = perPerson.Shares;
        Span<uint> r = _scratch.AsSpan(0, _n * _r);
        for (int j = 0; j < _n; j++)
        {
            r.Slice(j * _r, _r).Fill(s[j]);
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V from a[j]·x[j,v] on the reduced columns: the last value of feature f is a[j] − Σ of the others.</summary>
    private SharedVector ExpandRows(SharedVector reducedProduct, SharedVector perPerson)
    {
        ReadOnlySpan<uint> p = reducedProduct.Shares, a = perPerson.Shares;
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
    private SharedVector ReducedCols(SharedVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Shares;
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
    private SharedVector FeatureSumsOfReduced(SharedVector reducedProduct, SharedVector perValue)
    {
        ReadOnlySpan<uint> p = reducedProduct.Shares, c = perValue.Shares;
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
    private SharedVector Cols(SharedVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Shares;
        Span<uint> r = _scratch.AsSpan(0, _n * _v);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _v, _v));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: every row is the per-feature vector.</summary>
    private SharedVector RowsOfFeatures(SharedVector perFeature)
    {
        ReadOnlySpan<uint> s = perFeature.Shares;
        Span<uint> r = _scratch.AsSpan(0, _n * _f);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _f, _f));
        }

        return _abb.FromShares(r);
    }

    private SharedVector Broadcast(SharedVector single, int length)
    {
        var r = new uint[length];
        r.AsSpan().Fill(single.Shares[0]);
        return _abb.FromShares(r);
    }

    private SharedVector ColumnSums(SharedVector matrix)
    {
        ReadOnlySpan<uint> s = matrix.Shares;
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

    private SharedVector RowSums(SharedVector matrix, int width)
    {
        ReadOnlySpan<uint> s = matrix.Shares;
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
    private SharedVector FeatureSums(SharedVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Shares;
        var r = new uint[_f];
        for (int v = 0; v < _v; v++)
        {
            r[_valueFeature[v]] += s[v];
        }

        return _abb.FromShares(r);
    }

    private SharedVector Sum(SharedVector x)
    {
        uint acc = 0;
        foreach (uint s in x.Shares)
        {
            acc += s;
        }

        return _abb.FromShares([acc]);
    }

    private SharedVector PrefixSums(SharedVector x)
    {
        ReadOnlySpan<uint> s = x.Shares;
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
    private SharedVector GroupSums(SharedVector pick)
    {
        uint[] r = pick.Shares.ToArray();
        ReadOnlySpan<uint> s = pick.Shares;
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

    private SharedVector Gather(SharedVector x, int[] index)
    {
        ReadOnlySpan<uint> s = x.Shares;
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
