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
        _valueFeature = new int[_v];
        for (int f = 0; f < _f; f++)
        {
            for (int v = _layout.FeatureOffset[f]; v < _layout.FeatureOffset[f + 1]; v++)
            {
                _valueFeature[v] = f;
            }
        }

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

            // ---- 1. alive ∘ x (and for two-phase below ∘ x), remaining counts.
            SharedVector ax, belowX;
            if (TwoPhase)
            {
                SharedVector[] r1 = await MulAsync((Rows(alive), _x), (Cols(below), _x)).ConfigureAwait(false);
                (ax, belowX) = (r1[0], r1[1]);
            }
            else
            {
                ax = (await MulAsync((Rows(alive), _x)).ConfigureAwait(false))[0];
                belowX = ax; // unused
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
                SharedVector belowOf = FeatureRowSums(belowX); // n × F: person's value in f is below its min
                SharedVector[] r6 = await MulAsync(
                    (Cols(winner), ax),
                    (winner, remaining),
                    (belowOf, RowsOfFeatures(featureOk))).ConfigureAwait(false);
                SharedVector e2 = RowSums(r6[0], _v);
                SharedVector c2 = Sum(r6[1]);

                // ok_{j,f} = belowOf ∨ featureOk = belowOf + featureOk − belowOf·featureOk.
                SharedVector ok = _abb.Subtract(_abb.Add(belowOf, RowsOfFeatures(featureOk)), r6[2]);
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
                SharedVector[] r6 = await MulAsync((Cols(winner), ax), (winner, remaining)).ConfigureAwait(false);
                eligible = RowSums(r6[0], _v);
                count = Sum(r6[1]);
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
            SharedVector pickX = (await MulAsync((Rows(pick), _x)).ConfigureAwait(false))[0];
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

            // ---- 13–16. deficit for the next step; remove the pick, its household and everyone in a full value.
            SharedVector[] r13 = await MulAsync((Cols(full), _x), (_abb.AddPublic(_abb.Negate(selected), _min), below)).ConfigureAwait(false);
            deficit = r13[1];
            SharedVector blocked = _abb.Add(RowSums(r13[0], _v), GroupSums(pick));
            SharedBits keepBits = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
            SharedVector keep = await _abb.ToArithmeticAsync(keepBits, _ct).ConfigureAwait(false);
            alive = (await MulAsync((alive, keep)).ConfigureAwait(false))[0];
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
    /// <remarks>U = Σ u_i 2^{16i}; s_0 = u_0·c, s_{i+1} = u_{i+1}·c + ⌊s_i / 2^16⌋, r = ⌊s_3 / 2^16⌋. Every s_i &lt;
    /// 2^31 + 2^15, so each shift is exact (bit extraction of an unsigned 32-bit value).</remarks>
    private async ValueTask<SharedVector> DrawAsync(SharedVector wordBits, SharedVector count)
    {
        const int limbs = 64 / LimbBits;
        var limbShares = new uint[limbs];
        ReadOnlySpan<uint> bits = wordBits.Shares;
        for (int i = 0; i < limbs; i++)
        {
            for (int b = 0; b < LimbBits; b++)
            {
                limbShares[i] += bits[(i * LimbBits) + b] << b;
            }
        }

        SharedVector products = (await MulAsync((_abb.FromShares(limbShares), Broadcast(count, limbs))).ConfigureAwait(false))[0];
        SharedVector s = _abb.Slice(products, 0, 1);
        for (int i = 1; i <= limbs; i++)
        {
            SharedVector carry = await _abb.ShiftRightAsync(s, LimbBits, _ct).ConfigureAwait(false);
            s = i < limbs ? _abb.Add(_abb.Slice(products, i, 1), carry) : carry;
        }

        return s;
    }

    // ------------------------------------------------------------------ batching helpers

    private async ValueTask<SharedVector[]> MulAsync(params (SharedVector X, SharedVector Y)[] pairs)
    {
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

    /// <summary>n × V: row j is alive[j] repeated.</summary>
    private SharedVector Rows(SharedVector perPerson)
    {
        ReadOnlySpan<uint> s = perPerson.Shares;
        var r = new uint[_n * _v];
        for (int j = 0; j < _n; j++)
        {
            r.AsSpan(j * _v, _v).Fill(s[j]);
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V: every row is the per-value vector.</summary>
    private SharedVector Cols(SharedVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Shares;
        var r = new uint[_n * _v];
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.AsSpan(j * _v, _v));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: every row is the per-feature vector.</summary>
    private SharedVector RowsOfFeatures(SharedVector perFeature)
    {
        ReadOnlySpan<uint> s = perFeature.Shares;
        var r = new uint[_n * _f];
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.AsSpan(j * _f, _f));
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

    /// <summary>n × F: entry (j, f) = Σ_{v ∈ f} m[j, v].</summary>
    private SharedVector FeatureRowSums(SharedVector matrix)
    {
        ReadOnlySpan<uint> s = matrix.Shares;
        var r = new uint[_n * _f];
        for (int j = 0; j < _n; j++)
        {
            for (int v = 0; v < _v; v++)
            {
                r[(j * _f) + _valueFeature[v]] += s[(j * _v) + v];
            }
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
