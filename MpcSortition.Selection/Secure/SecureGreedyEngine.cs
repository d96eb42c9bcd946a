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
    private const int LimbBits = 16;

    /// <summary>Audit label of the masked opening that makes the wide draw's count split replicated (replicated engine,
    /// n above <see cref="SecureSelectionLayout.SmallDrawLimit"/> only).</summary>
    internal const string CountSplitLabel = SecureSelector.MaskedCountSplitLabel;

    /// <summary>Audit label of the masked opening that makes the draw's rank replicated (replicated engine only).</summary>
    internal const string RankLabel = SecureSelector.MaskedRankLabel;

    private readonly SecureGreedyContext _c;
    private readonly IArithmeticBlackBox _abb;
    private readonly SecureStepRule _rule;
    private readonly ISecureStepObserver? _observer;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f, _k;

    /// <summary>Whether the pool is above <see cref="SecureSelectionLayout.SmallDrawLimit"/> (public): then the draw
    /// splits the count as well (<see cref="WideDrawFactorsAsync"/>).</summary>
    private readonly bool _wideDraw;

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
        _wideDraw = _n > SecureSelectionLayout.SmallDrawLimit;
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

        for (int t = 0; t < _k; t++)
        {
            BitShareVector word = _abb.SliceBits(tape, 64 * t, 64);
            var state = new SecureStepState(t, alive, selected, below, deficit);

            // ---- 1. remaining[v] = Σ_j alive[j]·x[j,v]: R inner products of length n (with the rule's in the same round).
            ShareVector[] r1 = await c.InnerProductsAsync(c.ColumnSumGroup(alive)).ConfigureAwait(false);
            ShareVector remaining = c.ExpandColumnSums(c.ColumnSums(r1[0]), c.Sum(alive));

            // ---- 2. "a beats b" for every pair a < b: D_ab ≥ 0.
            ShareVector d = await _rule.PreferenceAsync(state, remaining).ConfigureAwait(false);

            // ---- 3. one batch of sign bits: D, remaining − 1 ("nobody left"), rem + sel − min ("min unreachable"), the rule's.
            ShareVector unreachableArg = _abb.AddPublic(_abb.Add(remaining, selected), c.NegatedMin);
            // Also [selected ≥ max − 1] and [selected < min − 1], from which this step's pick updates full and below
            // with one multiplication (step 11) instead of a comparison after it.
            BitShareVector[] signs = await c.SignsAsync([d, _abb.AddPublic(remaining, uint.MaxValue), unreachableArg, _abb.AddPublic(selected, oneMinusMax), _abb.AddPublic(selected, oneMinusMin), .. _rule.SignInputs(state)]).ConfigureAwait(false);
            BitShareVector lessThan = signs[0], empty = signs[1], unreachable = signs[2];

            // ---- 4. the chosen value as one-hot bits (values with nobody alive lose to all others).
            BitShareVector winnerBits = await WinnerAsync(lessThan, empty).ConfigureAwait(false);

            // ---- 5. B2A of everything boolean so far, of the tape word, and of the rule's bits.
            ShareVector[] arith = await c.ToArithmeticAsync([winnerBits, unreachable, word, _abb.Not(signs[3]), signs[4], .. _rule.BooleanInputs(signs.AsSpan(5))]).ConfigureAwait(false);
            ShareVector winner = arith[0], unreachableA = arith[1], wordBits = arith[2];

            // [selected = max − 1] = [selected ≥ max − 1] − full; [selected = min − 1] = below − [selected < min − 1].
            ShareVector atMaxLessOne = _abb.Subtract(arith[3], full), atMinLessOne = _abb.Subtract(below, arith[4]);

            // ---- 6. eligible people e_j and their count (the rule's); e_j = alive_j·y_j may be left to step 7's round.
            EligiblePeople people = await _rule.EligibleAsync(state, winner, remaining, arith[5..]).ConfigureAwait(false);
            ShareVector count = people.Count;

            // ---- 7. the draw r = ⌊word · count / 2^64⌋, exactly, with 16-bit limbs (its products with e_j's).
            (ShareVector limbs, ShareVector counts) = _wideDraw
                ? await WideDrawFactorsAsync(_abb, wordBits, count, _ct).ConfigureAwait(false)
                : DrawFactors(c, wordBits, count);
            ShareVector eligible;
            ShareVector limbProducts;
            if (people.Eligible is ShareVector ready)
            {
                eligible = ready;
                limbProducts = (await c.MulAsync((limbs, counts)).ConfigureAwait(false))[0];
            }
            else
            {
                ShareVector[] r7 = await c.MulAsync((alive, people.Members!), (limbs, counts)).ConfigureAwait(false);
                eligible = r7[0];
                limbProducts = r7[1];
            }

            ShareVector rank = _wideDraw
                ? await FinishWideDrawAsync(_abb, limbProducts, _ct).ConfigureAwait(false)
                : await FinishDrawAsync(_abb, limbProducts, _ct).ConfigureAwait(false);

            // The toolkit's shift returns an additive sharing; on the replicated engine, make the rank replicated again
            // (one masked value) so that the n comparisons below and everything after keep their companions.
            rank = await _abb.ToReplicatedAsync(rank, RankLabel, _ct).ConfigureAwait(false);

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
            ShareVector[] r11 = await c.MulAsync((pickX, atMaxLessOne), (pickX, atMinLessOne)).ConfigureAwait(false);
            full = _abb.Add(full, r11[0]);
            below = _abb.Subtract(below, r11[1]);
            if (t == _k - 1)
            {
                break; // the final check needs only `below`
            }

            // ---- 13–16. remove the pick, its household and everyone in a value that became full now (the alive people
            // have no value that was full before: removals are monotone); deficit for the next step.
            // newFullOf[j,f] = Σ_{v ∈ f} newFull[v]·x[j,v] ∈ {0, 1} (one-hot per feature): n·F inner products; then
            // alive ·= (1 − h) · Π_f (1 − newFullOf[j,f]) as a product tree (⌈log2(F + 2)⌉ rounds, no comparison).
            ShareVector newFull = r11[0];
            // The rule's products for the next step (they may use its below and selected only) join this round.
            var nextState = new SecureStepState(t + 1, alive, selected, below, deficit);
            ShareVector[] r13 = await c.InnerProductsAsync([(c.XPadded, c.PaddedReducedCols(newFull), c.PaddedWidth, _n * _f), .. _rule.AliveRoundProducts(nextState)]).ConfigureAwait(false);
            _rule.TakeAliveRoundProducts(r13.AsSpan(1), nextState);
            ShareVector newFullOf = r13[0];
            newFullOf = _abb.Add(newFullOf, c.LastValueRows(newFull));
            ShareVector notFull = _abb.AddPublic(_abb.Negate(newFullOf), 1u);
            var factors = new List<ShareVector>(_f + 2) { alive, _abb.AddPublic(_abb.Negate(c.GroupSums(pick)), 1u) };
            for (int f = 0; f < _f; f++)
            {
                int feature = f, width = _f;
                factors.Add(_abb.Map(notFull, _n, (src, o) =>
                {
                    for (int j = 0; j < o.Length; j++)
                    {
                        o[j] = src[(j * width) + feature];
                    }
                }));
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

                ShareVector[] products = await c.MulAsync([.. pairs]).ConfigureAwait(false);
                var next = new List<ShareVector>(products.Length + 1);
                next.AddRange(products.Take(factors.Count / 2));
                if (factors.Count % 2 == 1)
                {
                    next.Add(factors[^1]);
                }

                if (!deficitDone)
                {
                    deficit = products[^1];
                    deficitDone = true;
                }

                factors = next;
            }

            alive = factors[0];
        }

        // ---- end: success iff no step failed and every minimum is met.
        failures = _abb.Add(failures, c.Sum(below));
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

        int v0 = _v, contests = _v * (_v - 1);
        int[,] pairIndex = _c.PairIndex;

        // Contest idx = v·(V−1) + o is v against u = o (o < v) or o + 1: "u present" and "u better than v" (for v < u,
        // D_vu < 0; for u < v, D_uv ≥ 0, i.e. ¬lessThan: the complement is a public XOR).
        BitShareVector opponentPresent = _abb.MapBits(present, contests, (ps, o) =>
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
        BitShareVector opponentBetter = _abb.MapBits(lessThan, contests, (ls, o) =>
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

        opponentBetter = _abb.XorPublic(opponentBetter, flip);
        BitShareVector loses = await _abb.AndAsync(opponentPresent, opponentBetter, _ct).ConfigureAwait(false);
        BitShareVector wins = _abb.Not(loses);
        var planes = new List<BitShareVector>(_v) { present };
        for (int o = 0; o < _v - 1; o++)
        {
            int k = o;
            planes.Add(_abb.MapBits(wins, _v, (ws, p) =>
            {
                for (int v = 0; v < v0; v++)
                {
                    SetBit(p, v, Bit(ws, (v * (v0 - 1)) + k));
                }
            }));
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
    internal static async ValueTask<ShareVector> UniformDrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct)
    {
        (ShareVector limbs, ShareVector counts) = DrawFactors(abb, wordBits, count);
        ShareVector m = await abb.MultiplyAsync(limbs, counts, ct).ConfigureAwait(false);
        return await FinishDrawAsync(abb, m, ct).ConfigureAwait(false);
    }

    /// <summary>The draw's factors: the four 16-bit limbs u_i of the word (from its 64 bits, local) and the count four times.</summary>
    internal static (ShareVector Limbs, ShareVector Counts) DrawFactors(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count)
    {
        const int limbs = 64 / LimbBits;
        ShareVector u = abb.Map(wordBits, limbs, (bits, o) =>
        {
            for (int i = 0; i < limbs; i++)
            {
                for (int b = 0; b < LimbBits; b++)
                {
                    o[i] += bits[(i * LimbBits) + b] << b;
                }
            }
        });
        return (u, abb.Map(count, limbs, (s, o) => o.Fill(s[0])));
    }

    private static (ShareVector Limbs, ShareVector Counts) DrawFactors(SecureGreedyContext c, ShareVector wordBits, ShareVector count) => DrawFactors(c.Abb, wordBits, count);

    /// <summary>
    /// The draw for counts up to 2^20 − 1 (pools above <see cref="SecureSelectionLayout.SmallDrawLimit"/>), exactly
    /// ⌊U·c / 2^64⌋ like <see cref="UniformDrawAsync"/>: c = c₀ + c₁·2^16 (c₁ &lt; 2^4, one exact shift), then
    /// a_i = u_i·c₀ &lt; 2^32 and b_i = u_i·c₁ &lt; 2^20 (one multiplication round, see <see cref="FinishWideDrawAsync"/>).
    /// </summary>
    internal static async ValueTask<ShareVector> WideDrawAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct)
    {
        (ShareVector limbs, ShareVector counts) = await WideDrawFactorsAsync(abb, wordBits, count, ct).ConfigureAwait(false);
        ShareVector m = await abb.MultiplyAsync(limbs, counts, ct).ConfigureAwait(false);
        return await FinishWideDrawAsync(abb, m, ct).ConfigureAwait(false);
    }

    /// <summary>The wide draw's factors: (u₀..u₃, u₀..u₃) and (c₀ ×4, c₁ ×4), 9 rounds for the split of c (10 on the
    /// replicated engine, which makes c₁ replicated again).</summary>
    internal static async ValueTask<(ShareVector Limbs, ShareVector Counts)> WideDrawFactorsAsync(IArithmeticBlackBox abb, ShareVector wordBits, ShareVector count, CancellationToken ct)
    {
        const int limbs = 64 / LimbBits;
        (ShareVector u, _) = DrawFactors(abb, wordBits, count);
        ShareVector high = await abb.ShiftRightAsync(count, LimbBits, ct).ConfigureAwait(false);

        // The shift returns an additive sharing; on the replicated engine make it replicated again (one masked value),
        // or the products below would be additive and the eligible people multiplied in the same round with them too.
        high = await abb.ToReplicatedAsync(high, CountSplitLabel, ct).ConfigureAwait(false);
        ShareVector low = abb.Subtract(count, abb.MultiplyPublic(high, 1u << LimbBits));
        ShareVector split = abb.Concat(low, high);
        return (abb.Concat(u, u), abb.Map(split, 2 * limbs, (s, o) =>
        {
            o[..limbs].Fill(s[0]);
            o[limbs..].Fill(s[1]);
        }));
    }

    /// <summary>
    /// The rest of the wide draw from a_i = u_i·c₀ and b_i = u_i·c₁. U·c = Σ_j d_j 2^{16j} + d₄·2^64 with d₀ = al₀,
    /// d_j = al_j + ah_{j−1} + b_{j−1} (j = 1..3, below 2^21) and d₄ = ah₃ + b₃, where a_i = ah_i·2^16 + al_i (one exact
    /// shift of four values below 2^32). One more shift splits d_j = dh_j·2^16 + dl_j for j = 1..3 (dh_j &lt; 2^5), so
    /// the low 64 bits are the digits e₀ = d₀, e₁ = dl₁ (both below 2^16: no carry), e₂ = dl₂ + dh₁ and e₃ = dl₃ + dh₂
    /// (below 2^16 + 2^5: carries 0 or 1), and r = d₄ + dh₃ + c₄ with c₄ = g₃ ⊕ (p₃ ∧ g₂) (g = [e ≥ 2^16],
    /// p = [e = 2^16 − 1]). Rounds: 9 + 9 + 7 + 1 + 2 (after the products).
    /// </summary>
    internal static async ValueTask<ShareVector> FinishWideDrawAsync(IArithmeticBlackBox abb, ShareVector m, CancellationToken ct)
    {
        const uint radix = 1u << LimbBits;
        ShareVector a = abb.Slice(m, 0, 4), b = abb.Slice(m, 4, 4);
        ShareVector ah = await abb.ShiftRightAsync(a, LimbBits, ct).ConfigureAwait(false);
        ShareVector al = abb.Subtract(a, abb.MultiplyPublic(ah, radix));

        // d₁..d₃ = al₁..al₃ + ah₀..ah₂ + b₀..b₂; d₄ = ah₃ + b₃.
        ShareVector d = abb.Add(abb.Add(abb.Slice(al, 1, 3), abb.Slice(ah, 0, 3)), abb.Slice(b, 0, 3));
        ShareVector d4 = abb.Add(abb.Slice(ah, 3, 1), abb.Slice(b, 3, 1));
        ShareVector dh = await abb.ShiftRightAsync(d, LimbBits, ct).ConfigureAwait(false);
        ShareVector dl = abb.Subtract(d, abb.MultiplyPublic(dh, radix));

        // e₂ = dl₂ + dh₁, e₃ = dl₃ + dh₂.
        ShareVector e = abb.Add(abb.Slice(dl, 1, 2), abb.Slice(dh, 0, 2));
        BitShareVector signs = await abb.IsNegativeAsync(abb.Concat(abb.AddPublic(e, unchecked(0u - (radix - 1))), abb.AddPublic(e, unchecked(0u - radix))), ct).ConfigureAwait(false);
        BitShareVector atLeastBase = abb.Not(abb.SliceBits(signs, 2, 2));                               // g₂, g₃
        BitShareVector propagate = abb.Xor(abb.Not(abb.SliceBits(signs, 0, 2)), atLeastBase);         // p₂, p₃
        BitShareVector g2 = abb.SliceBits(atLeastBase, 0, 1), g3 = abb.SliceBits(atLeastBase, 1, 1);
        BitShareVector p3 = abb.SliceBits(propagate, 1, 1);
        BitShareVector c4 = abb.Xor(g3, await abb.AndAsync(p3, g2, ct).ConfigureAwait(false));
        ShareVector carry = await abb.ToArithmeticKeepingCompanionsAsync(c4, ct).ConfigureAwait(false);
        return abb.Add(abb.Add(d4, abb.Slice(dh, 2, 1)), carry);
    }

    /// <summary>The rest of the draw from the products m_i = u_i·count (see <see cref="UniformDrawAsync"/>).</summary>
    internal static async ValueTask<ShareVector> FinishDrawAsync(IArithmeticBlackBox abb, ShareVector m, CancellationToken ct)
    {
        const int limbs = 64 / LimbBits;
        const uint radix = 1u << LimbBits;
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
        ShareVector carry = await abb.ToArithmeticKeepingCompanionsAsync(c4, ct).ConfigureAwait(false);
        return abb.Add(abb.Slice(h, limbs - 1, 1), carry);
    }
}
