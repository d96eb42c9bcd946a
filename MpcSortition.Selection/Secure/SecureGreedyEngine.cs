using MpcSortition.Core;
using MpcSortition.Protocols;
using static MpcSortition.Selection.Secure.SecureGreedyContext;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// One attempt of a greedy strategy on shares (see docs/secure-selection.md): the step skeleton every strategy shares,
/// with the strategy's own parts behind a <see cref="SecureStepRule"/> (<see cref="LegacyStepRule"/>,
/// <see cref="TwoPhaseStepRule"/>). Every branch depends only on public parameters (n, V, F, k, the quotas, the address
/// groups, the step number), so the sequence of rounds and message sizes is the same for every pool with the same
/// public parameters. Nothing is opened here.
/// </summary>
/// <remarks>
/// Shared state per step: alive[j] (0/1), selected[v], below[v] = [selected[v] &lt; min[v]] (0/1),
/// deficit[v] = max(min[v] − selected[v], 0), a failure counter, and the panel (indicator and pick order).
/// Bounds that make every sign-bit comparison exact: n &lt; 2^15 and every min ≤ k ≤ n, so all counts, needs and
/// cross products stay below 2^31 in absolute value (the two-phase products selected·max below 2^30 by the layout check).
/// </remarks>
internal sealed class SecureGreedyEngine
{
    private readonly SecureGreedyContext _c;
    private readonly IArithmeticBlackBox _abb;
    private readonly SecureStepRule _rule;
    private readonly ISecureStepObserver? _observer;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f, _k;

    /// <summary>The draw: counts up to 2^15 − 1, or up to 2^20 − 1 when the pool is above
    /// <see cref="SecureSelectionLayout.SmallDrawLimit"/> (public).</summary>
    private readonly SecureDraw _draw;

    /// <summary>The features (one, or two when F ≥ 2: those with the fewest values) whose newFullOf inner products also
    /// multiply in alive and 1 − h (see the removal in <see cref="RunAsync"/>), with their reduced columns and x on them.</summary>
    private (int Feature, int[] Columns, ShareVector X)[] _fold = [];

    /// <summary>Prepares one attempt.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="pool">This party's view of the pool.</param>
    /// <param name="rule">Creates the strategy's step rule for the attempt's context.</param>
    /// <param name="observer">Test hook, or null.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    internal SecureGreedyEngine(IArithmeticBlackBox abb, SecurePool pool, Func<SecureGreedyContext, SecureStepRule> rule, ISecureStepObserver? observer, CancellationToken cancellationToken)
    {
        _c = new SecureGreedyContext(abb, pool, cancellationToken);
        _abb = abb;
        _rule = rule(_c);
        _observer = observer;
        _ct = cancellationToken;
        _n = _c.N;
        _v = _c.V;
        _f = _c.F;
        _k = _c.Layout.PanelSize;
        _draw = new SecureDraw(wide: _n > SecureSelectionLayout.SmallDrawLimit);
    }

    /// <summary>Runs the k steps on this party's 64·k shared tape bits (word t drives step t).</summary>
    /// <param name="tape">This party's shares of the attempt's k words.</param>
    /// <returns>Shares of the outcome; nothing opened.</returns>
    internal async ValueTask<SecureAttempt> RunAsync(BitShareVector tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (tape.PartyIndex != _abb.PartyIndex || tape.BitLength != 64 * _k)
        {
            throw new ArgumentException($"The tape must be this party's shares of {64 * _k} bits (k = {_k} words).", nameof(tape));
        }

        SecureGreedyContext c = _c;
        await c.PrepareAsync().ConfigureAwait(false);
        _fold = [.. Enumerable.Range(0, _f).OrderBy(f => c.ReducedColumnsOf(f).Length).ThenBy(f => f).Take(Math.Min(2, _f))
            .Select(f => (f, c.ReducedColumnsOf(f), c.ReducedColumnsOfX(c.ReducedColumnsOf(f))))];

        // ---- start: everyone alive, except the people having a value with max 0.
        ShareVector alive = await InitialAliveAsync().ConfigureAwait(false);
        ShareVector selected = _abb.Public(new uint[_v]);
        var belowPublic = new uint[_v];
        for (int v = 0; v < _v; v++)
        {
            belowPublic[v] = c.Min[v] > 0 ? 1u : 0u;
        }

        ShareVector below = _abb.Public(belowPublic);
        var fullPublic = new uint[_v];
        var oneMinusMax = new uint[_v];
        var oneMinusMin = new uint[_v];
        for (int v = 0; v < _v; v++)
        {
            fullPublic[v] = c.Max[v] == 0 ? 1u : 0u;
            oneMinusMax[v] = 1u - c.Max[v];
            oneMinusMin[v] = 1u - c.Min[v];
        }

        ShareVector full = _abb.Public(fullPublic);
        ShareVector deficit = _abb.Public(c.Min);
        ShareVector failures = _abb.Public([0u]);
        ShareVector panel = _abb.Public(new uint[_n]);
        ShareVector order = _abb.Public(new uint[_n]);

        // The rule's products for step 0 (for later steps they join the previous step's removal round).
        (ShareVector X, ShareVector Y, int Length, int Outputs)[] first = _rule.AliveRoundProducts(new SecureStepState(0, alive, selected, below, deficit));
        if (first.Length > 0)
        {
            _rule.TakeAliveRoundProducts(await c.InnerProductsAsync(first).ConfigureAwait(false), new SecureStepState(0, alive, selected, below, deficit));
        }

        // The rule's product trees for step 0 (for later steps they run in the previous step's removal tree).
        await FinishRuleTreeAsync().ConfigureAwait(false);

        // The tape's bits as shared 0/1 values, once for the attempt (2 rounds): the draw's limbs are local sums of them.
        ShareVector tapeBits = await _abb.ToArithmeticKeepingCompanionsAsync(tape, _ct).ConfigureAwait(false);

        for (int t = 0; t < _k; t++)
        {
            BitShareVector word = _abb.SliceBits(tape, 64 * t, 64);
            ShareVector wordBits = _abb.Slice(tapeBits, 64 * t, 64);
            var state = new SecureStepState(t, alive, selected, below, deficit);

            // ---- 1. remaining[v] = Σ_j alive[j]·x[j,v]: R inner products of length n (with the rule's in the same round).
            ShareVector[] r1 = await c.InnerProductsAsync([c.ColumnSumGroup(alive), .. _rule.RemainingRoundProducts(state)]).ConfigureAwait(false);
            _rule.TakeRemainingRoundProducts(r1.AsSpan(1));
            ShareVector remaining = c.ExpandColumnSums(c.ColumnSums(r1[0]), c.Sum(alive));

            // ---- 2. "a beats b" for every pair a < b: D_ab ≥ 0; in the same round the draw's products u_i·remaining_v for
            // every value and the rule's further counts (the draw runs beside the value choice; the rank is picked at step 6).
            ShareVector drawCounts = _rule.DrawCounts(remaining);
            int dc = drawCounts.Length;
            (ShareVector limbs, ShareVector counts) = _draw.Factors(_abb, wordBits, drawCounts);
            (ShareVector d, ShareVector[] drawProducts) = await _rule.PreferenceAsync(state, remaining, [(limbs, counts)]).ConfigureAwait(false);
            ShareVector drawM = drawProducts[0];

            // ---- 3. one bit extraction: the sign bits of D, remaining − 1 ("nobody left"), rem + sel − min ("min
            // unreachable"), [selected ≥ max − 1], [selected < min − 1] (from which this step's pick updates full and below
            // with one multiplication, step 11) and the rule's; and all 32 bits of the draw's products.
            ShareVector unreachableArg = _abb.AddPublic(_abb.Add(remaining, selected), c.NegatedMin);
            ShareVector[] signParts = [d, _abb.AddPublic(remaining, uint.MaxValue), unreachableArg, _abb.AddPublic(selected, oneMinusMax), _abb.AddPublic(selected, oneMinusMin), .. _rule.SignInputs(state)];
            ShareVector signInputs = _abb.Concat(signParts);
            int s3 = signInputs.Length, all3 = s3 + drawM.Length;
            BitShareVector planes = await _abb.ToBitsAsync(_abb.Concat(signInputs, drawM), 32, _ct).ConfigureAwait(false);
            BitShareVector[] signs = SplitBits(_abb, _abb.SliceBits(planes, 31 * all3, s3), signParts);
            BitShareVector lessThan = signs[0], empty = signs[1], unreachable = signs[2];

            // ---- 4. the chosen value as one-hot bits (values with nobody alive lose to all others), and in the same AND
            // rounds the draw's carry for every value.
            var winnerLevels = new WinnerLevels(this, lessThan, empty, _rule.WinnerMask(signs.AsSpan(5)));
            DrawCarry drawCarry = _draw.Carry(_abb, dc, (limb, k) => _abb.SliceBits(planes, (k * all3) + s3 + (limb * dc), dc));
            await AndLevels.RunAsync(_abb, _ct, winnerLevels, drawCarry).ConfigureAwait(false);
            BitShareVector winnerBits = winnerLevels.Winner;

            // ---- 5. B2A of everything boolean so far, of the rule's bits and of the draw's bits.
            BitShareVector[] ruleBits = _rule.BooleanInputs(signs.AsSpan(5));
            ShareVector[] arith = await c.ToArithmeticAsync([winnerBits, unreachable, _abb.Not(signs[3]), signs[4], .. ruleBits, drawCarry.ArithmeticInput]).ConfigureAwait(false);
            ShareVector winner = arith[0], unreachableA = arith[1];
            ShareVector draws = drawCarry.Finish(arith[^1]);

            // [selected = max − 1] = [selected ≥ max − 1] − full; [selected = min − 1] = below − [selected < min − 1].
            ShareVector atMaxLessOne = _abb.Subtract(arith[2], full), atMinLessOne = _abb.Subtract(below, arith[3]);
            _rule.TakeUpdateBits(atMinLessOne);

            // ---- 6. eligible people e_j and their count (the rule's), and in the same round the rank of the chosen value's
            // draw r = Σ_v w_v·r_v (one inner product); e_j = alive_j·y_j may be left to a round of its own.
            // The rank is Σ_i weight_i·r_i over the draws (the winner's one-hot, and 1 for each further count of the rule).
            EligiblePeople people = await _rule.EligibleAsync(state, winner, remaining, arith[4..(4 + ruleBits.Length)], [(_rule.RankWeights(winner), draws, dc, 1)]).ConfigureAwait(false);
            ShareVector count = people.Count;
            ShareVector eligible = people.Eligible ?? (await c.MulAsync((alive, people.Members!)).ConfigureAwait(false))[0];
            ShareVector rank = people.Extra[0];

            // ---- 8. the r-th eligible person: t_j = [P_j > r], pick = t_j − t_{j−1}; and [count = 0].
            ShareVector prefix = c.PrefixSums(eligible);
            BitShareVector[] s8 = await c.SignsAsync(_abb.Subtract(c.Broadcast(rank, _n), prefix), _abb.AddPublic(count, uint.MaxValue)).ConfigureAwait(false);
            BitShareVector above = s8[0];
            BitShareVector before = _n > 1
                ? _abb.ConcatBits(_abb.PublicBits([0UL], 1), _abb.SliceBits(above, 0, _n - 1))
                : _abb.PublicBits([0UL], 1);
            ShareVector[] a9 = await c.ToArithmeticAsync(_abb.Xor(above, before), s8[1]).ConfigureAwait(false);
            ShareVector pick = a9[0];
            failures = _abb.Add(failures, _abb.Add(c.Sum(unreachableA), a9[1]));

            _observer?.OnStep(_abb.PartyIndex, t, new SecureStepShares(
                word.Words[0],
                winner.Values.ToArray(),
                _rule.PhaseShare,
                rank.Values[0],
                pick.Values.ToArray()));

            // ---- 10. count the pick into its values (R inner products of length n); record it.
            ShareVector pickSums = c.ColumnSums((await c.InnerProductsAsync(c.ColumnSumGroup(pick)).ConfigureAwait(false))[0]);
            ShareVector pickX = c.ExpandColumnSums(pickSums, c.Sum(pick));
            selected = _abb.Add(selected, pickX);
            panel = _abb.Add(panel, pick);
            order = _abb.Add(order, _abb.MultiplyPublic(pick, (uint)(t + 1)));

            // ---- 11–12. full[v] = [selected ≥ max], below[v] = [selected < min]: selected grows by pickX ∈ {0, 1}, so
            // full gains pickX·[old = max − 1] and below loses pickX·[old = min − 1] (one round).
            // In the same round, for the removal below: alive_j·x[j,v] over the reduced columns of feature f₀ and h_j·x[j,v]
            // over those of f₁ (the two features with the fewest values), h_j = Σ of pick over j's address group.
            bool lastStep = t == _k - 1;
            ShareVector h = c.GroupSums(pick);
            var r11Pairs = new List<(ShareVector X, ShareVector Y)> { (pickX, atMaxLessOne), (pickX, atMinLessOne) };
            if (!lastStep && _fold[0].Columns.Length > 0)
            {
                r11Pairs.Add((c.RepeatPerRow(alive, _fold[0].Columns.Length), _fold[0].X));
            }

            if (!lastStep && _fold.Length > 1 && _fold[1].Columns.Length > 0)
            {
                r11Pairs.Add((c.RepeatPerRow(h, _fold[1].Columns.Length), _fold[1].X));
            }

            int engine11 = r11Pairs.Count;
            if (!lastStep)
            {
                r11Pairs.AddRange(_rule.RemovalRoundPairs(pickX));
            }

            ShareVector[] r11 = await c.MulAsync([.. r11Pairs]).ConfigureAwait(false);
            if (!lastStep)
            {
                _rule.TakeRemovalRoundProducts(r11.AsSpan(engine11));
            }
            full = _abb.Add(full, r11[0]);
            below = _abb.Subtract(below, r11[1]);
            if (lastStep)
            {
                break; // the final check needs only `below`
            }

            // ---- 13–16. remove the pick, its household and everyone in a value that became full now (the alive people
            // have no value that was full before: removals are monotone); deficit for the next step.
            // newFullOf[j,f] = Σ_{v ∈ f} newFull[v]·x[j,v] ∈ {0, 1} (one-hot per feature): n·F inner products; then
            // alive ·= (1 − h) · Π_f (1 − newFullOf[j,f]) as a product tree, no comparison. Two factors are folded into the
            // inner products of the same round: alive·(1 − newFullOf[·,f₀]) = alive − Σ_{v ∈ f₀} newFull[v]·(alive·x[·,v]) and
            // (1 − h)(1 − newFullOf[·,f₁]) = 1 − h − newFullOf[·,f₁] + Σ_{v ∈ f₁} newFull[v]·(h·x[·,v]), so the tree has
            // F factors (⌈log2 F⌉ rounds) instead of F + 2.
            ShareVector newFull = r11[0];
            int at11 = 2;
            var foldProducts = new ShareVector?[_fold.Length];
            for (int i = 0; i < _fold.Length; i++)
            {
                foldProducts[i] = _fold[i].Columns.Length > 0 ? r11[at11++] : null;
            }

            ShareVector[] foldPerson = [alive, h];
            var groups = new List<(ShareVector X, ShareVector Y, int Length, int Outputs)> { (c.XPadded, c.PaddedReducedCols(newFull), c.PaddedWidth, _n * _f) };
            for (int i = 0; i < _fold.Length; i++)
            {
                groups.Add(c.FoldedFeatureGroup(_fold[i].Feature, _fold[i].Columns, foldProducts[i], foldPerson[i], newFull));
            }

            // The rule's products for the next step (they may use its below and selected only) join this round.
            var nextState = new SecureStepState(t + 1, alive, selected, below, deficit);
            ShareVector[] r13 = await c.InnerProductsAsync([.. groups, .. _rule.AliveRoundProducts(nextState)]).ConfigureAwait(false);
            _rule.TakeAliveRoundProducts(r13.AsSpan(1 + _fold.Length), nextState);
            ShareVector newFullOf = r13[0];
            newFullOf = _abb.Add(newFullOf, c.LastValueRows(newFull));
            ShareVector notFull = _abb.AddPublic(_abb.Negate(newFullOf), 1u);
            ShareVector FeatureColumn(ShareVector perPersonAndFeature, int feature)
            {
                int width = _f;
                return _abb.Map(perPersonAndFeature, _n, (src, o) =>
                {
                    for (int j = 0; j < o.Length; j++)
                    {
                        o[j] = src[(j * width) + feature];
                    }
                });
            }

            // alive·(1 − newFullOf[·,f₀]), and (1 − h)(1 − newFullOf[·,f₁]) when F ≥ 2 (else 1 − h is a factor of its own).
            var factors = new List<ShareVector>(_f + 1) { _abb.Subtract(alive, r13[1]) };
            ShareVector oneMinusH = _abb.AddPublic(_abb.Negate(h), 1u);
            factors.Add(_fold.Length > 1 ? _abb.Add(_abb.Subtract(oneMinusH, FeatureColumn(newFullOf, _fold[1].Feature)), r13[2]) : oneMinusH);
            for (int f = 0; f < _f; f++)
            {
                if (_fold.All(x => x.Feature != f))
                {
                    factors.Add(FeatureColumn(notFull, f));
                }
            }

            ShareVector deficitFactor = _abb.AddPublic(_abb.Negate(selected), c.Min);
            bool deficitDone = false;
            while (factors.Count > 1 || !deficitDone)
            {
                var pairs = new List<(ShareVector X, ShareVector Y)>();
                for (int i = 0; i + 1 < factors.Count; i += 2)
                {
                    pairs.Add((factors[i], factors[i + 1]));
                }

                if (!deficitDone)
                {
                    pairs.Add((deficitFactor, below));
                }

                int engineTree = pairs.Count;
                pairs.AddRange(_rule.TreeRoundPairs());
                ShareVector[] products = await c.MulAsync([.. pairs]).ConfigureAwait(false);
                _rule.TakeTreeRoundProducts(products.AsSpan(engineTree));
                var next = new List<ShareVector>(products.Length + 1);
                next.AddRange(products.Take(factors.Count / 2));
                if (factors.Count % 2 == 1)
                {
                    next.Add(factors[^1]);
                }

                if (!deficitDone)
                {
                    deficit = products[engineTree - 1];
                    deficitDone = true;
                }

                factors = next;
            }

            alive = factors[0];

            // The rule's trees, if deeper than the removal's (not for the shipped rules: see TwoPhaseStepRule).
            await FinishRuleTreeAsync().ConfigureAwait(false);
        }

        // ---- end: success iff no step failed and every minimum is met.
        failures = _abb.Add(failures, c.Sum(below));
        BitShareVector success = await _abb.IsZeroAsync(failures, _ct).ConfigureAwait(false);
        return new SecureAttempt(success, panel, order, selected);
    }

    // ------------------------------------------------------------------ pieces

    /// <summary>Runs the rule's product trees to the end in rounds of their own (a function of public shapes only).</summary>
    private async ValueTask FinishRuleTreeAsync()
    {
        while (!_rule.TreeDone)
        {
            _rule.TakeTreeRoundProducts(await _c.MulAsync(_rule.TreeRoundPairs()).ConfigureAwait(false));
        }
    }

    /// <summary>alive_j = [person j has no value with max 0]; public all-ones when no value has max 0.</summary>
    private async ValueTask<ShareVector> InitialAliveAsync()
    {
        var zeroMax = new uint[_v];
        bool any = false;
        for (int v = 0; v < _v; v++)
        {
            if (_c.Max[v] == 0)
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

        // Σ_{v: max = 0} x[j,v] from the reduced columns: a reduced v counts itself, the last value of feature f counts
        // 1 − Σ of f's other values (the constant 1 is added publicly).
        int r = _c.R, f = _f;
        int[] weights = new int[r];
        uint constant = 0;
        for (int c = 0; c < r; c++)
        {
            int v = _c.ReducedValue(c);
            weights[c] = (int)zeroMax[v] - (int)zeroMax[_c.LastValueOf(v)];
        }

        for (int k = 0; k < f; k++)
        {
            constant += zeroMax[_c.LastValueOfFeature(k)];
        }

        int n = _n;
        ShareVector blocked = _abb.AddPublic(_abb.Map(_c.Xr, n, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                uint acc = 0;
                for (int c = 0; c < r; c++)
                {
                    acc += (uint)weights[c] * s[(j * r) + c];
                }

                o[j] = acc;
            }
        }), constant);
        BitShareVector keep = await _abb.IsZeroAsync(blocked, _ct).ConfigureAwait(false);
        return await _abb.ToArithmeticKeepingCompanionsAsync(keep, _ct).ConfigureAwait(false);
    }

    private static BitShareVector[] SplitBits(IArithmeticBlackBox abb, BitShareVector all, ShareVector[] like)
    {
        var result = new BitShareVector[like.Length];
        int at = 0;
        for (int i = 0; i < like.Length; i++)
        {
            result[i] = abb.SliceBits(all, at, like[i].Length);
            at += like[i].Length;
        }

        return result;
    }

    /// <summary>
    /// The winner of the value choice as one-hot bits: v wins iff someone with v is alive, v beats every lower value
    /// strictly and every higher value at least weakly (ties to the lowest index), and values with nobody alive lose.
    /// lessThan bit p is 1 iff D_ab &lt; 0 for pair p = (a, b), a &lt; b ("b strictly better"). One AND level for the
    /// V(V−1) contests, then ⌈log2 V⌉ levels of the AND of V terms (run beside other boolean work by <see cref="AndLevels"/>).
    /// </summary>
    private sealed class WinnerLevels : AndLevels
    {
        private readonly IArithmeticBlackBox _abb;
        private readonly int _v;
        private BitShareVector _opponentPresent = default!, _opponentBetter = default!;
        private BitShareVector? _loses;
        private List<BitShareVector>? _planes;
        private List<BitShareVector>? _next;
        private BitShareVector? _winner;
        private readonly BitShareVector _present;

        /// <summary>The rule's mask bit repeated V times (one more plane of the AND), or null.</summary>
        private readonly BitShareVector? _mask;

        internal WinnerLevels(SecureGreedyEngine engine, BitShareVector lessThan, BitShareVector empty, BitShareVector? mask)
        {
            _abb = engine._abb;
            _v = engine._v;
            _present = _abb.Not(empty);
            if (mask is not null)
            {
                int v1 = _v;
                _mask = _abb.MapBits(mask, _v, (m, o) =>
                {
                    for (int v = 0; v < v1; v++)
                    {
                        SetBit(o, v, Bit(m, 0));
                    }
                });
            }

            if (_v == 1)
            {
                if (_mask is null)
                {
                    _winner = _present;
                }
                else
                {
                    _planes = [_present, _mask];
                }

                return;
            }

            int v0 = _v, contests = _v * (_v - 1);
            int[,] pairIndex = engine._c.PairIndex;

            // Contest idx = v·(V−1) + o is v against u = o (o < v) or o + 1: "u present" and "u better than v" (for v < u,
            // D_vu < 0; for u < v, D_uv ≥ 0, i.e. ¬lessThan: the complement is a public XOR).
            _opponentPresent = _abb.MapBits(_present, contests, (ps, o) =>
            {
                for (int v = 0; v < v0; v++)
                {
                    for (int k = 0; k < v0 - 1; k++)
                    {
                        int u = k < v ? k : k + 1;
                        SetBit(o, (v * (v0 - 1)) + k, Bit(ps, u));
                    }
                }
            });
            var flip = new ulong[Words(contests)];
            BitShareVector better = _abb.MapBits(lessThan, contests, (ls, o) =>
            {
                for (int v = 0; v < v0; v++)
                {
                    for (int k = 0; k < v0 - 1; k++)
                    {
                        int u = k < v ? k : k + 1;
                        SetBit(o, (v * (v0 - 1)) + k, Bit(ls, pairIndex[v, u]));
                    }
                }
            });
            for (int v = 0; v < v0; v++)
            {
                for (int k = 0; k < v; k++)
                {
                    SetBit(flip, (v * (v0 - 1)) + k, 1UL);
                }
            }

            _opponentBetter = _abb.XorPublic(better, flip);
        }

        internal BitShareVector Winner => _winner ?? throw new InvalidOperationException("The winner is not computed yet.");

        internal override bool Done => _winner is not null;

        protected override void PlanLevel()
        {
            if (_planes is null)
            {
                Ask(_opponentPresent, _opponentBetter, z => _loses = z);
                return;
            }

            if (_planes.Count == 1)
            {
                _winner = _planes[0];
                return;
            }

            int pairs = _planes.Count / 2;
            var left = new BitShareVector[pairs];
            var right = new BitShareVector[pairs];
            for (int p = 0; p < pairs; p++)
            {
                left[p] = _planes[2 * p];
                right[p] = _planes[(2 * p) + 1];
            }

            Ask(_abb.ConcatBits(left), _abb.ConcatBits(right), z =>
            {
                _next = new List<BitShareVector>(pairs + 1);
                for (int p = 0; p < pairs; p++)
                {
                    _next.Add(_abb.SliceBits(z, p * _v, _v));
                }

                if (_planes.Count % 2 == 1)
                {
                    _next.Add(_planes[^1]);
                }
            });
        }

        protected override void FinishLevel()
        {
            if (_planes is null)
            {
                BitShareVector wins = _abb.Not(_loses!);
                int v0 = _v;
                _planes = new List<BitShareVector>(_v + 1) { _present };
                if (_mask is not null)
                {
                    _planes.Add(_mask);
                }
                for (int o = 0; o < _v - 1; o++)
                {
                    int k = o;
                    _planes.Add(_abb.MapBits(wins, _v, (ws, p) =>
                    {
                        for (int v = 0; v < v0; v++)
                        {
                            SetBit(p, v, Bit(ws, (v * (v0 - 1)) + k));
                        }
                    }));
                }

                return;
            }

            _planes = _next;
            if (_planes!.Count == 1)
            {
                _winner = _planes[0];
            }
        }
    }

    /// <summary>r = ⌊U·c / 2^64⌋ for the 64-bit word U (as 64 shared 0/1 values) and 0 ≤ c &lt; 2^15 (see
    /// <see cref="SecureDraw"/>; the engine runs the same circuit fused with the step's other work).</summary>
    internal static ValueTask<ShareVector> UniformDrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct) =>
        new SecureDraw(wide: false).DrawAsync(abb, wordBits, count, ct);

    /// <summary>The draw for counts up to 2^20 − 1 (pools above <see cref="SecureSelectionLayout.SmallDrawLimit"/>),
    /// exactly ⌊U·c / 2^64⌋ like <see cref="UniformDrawAsync"/> (12-bit limbs, one carry-save level more).</summary>
    internal static ValueTask<ShareVector> WideDrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct) =>
        new SecureDraw(wide: true).DrawAsync(abb, wordBits, count, ct);
}
