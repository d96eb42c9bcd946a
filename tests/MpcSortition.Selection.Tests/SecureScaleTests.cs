using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Issue 15: the products with the one-hot matrix as inner products. On the replicated engine a step's traffic is
/// O(n·F + V²) elements, not O(n·V): each extra candidate adds a few bytes per step (its comparisons, conversions and
/// the F + 1 products of the removal), below the cost of one product over all V columns.
/// </summary>
public sealed class SecureScaleTests
{
    /// <summary>Bytes party 0 sends in one attempt (nothing opened) on <paramref name="engine"/>.</summary>
    private static async Task<long> BytesOfOneAttemptAsync(SelectionProblem problem, BlackBoxEngine engine)
    {
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        long[] bytes = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            long before = abb.Cost.BytesSent;
            await new SecureLegacyGreedy().AttemptAsync(abb, pool, JointRandomTape.Instance.NextWords(abb, layout.PanelSize));
            return abb.Cost.BytesSent - before;
        }, new InProcessOptions { Engine = engine });
        return bytes[0];
    }

    /// <summary>Rounds party 0 takes for one attempt of <paramref name="strategy"/> (legacy by default; nothing opened) on
    /// <paramref name="engine"/>.</summary>
    private static async Task<long> RoundsOfOneAttemptAsync(SelectionProblem problem, BlackBoxEngine engine, ISecureSelectionStrategy? strategy = null)
    {
        strategy ??= new SecureLegacyGreedy();
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        long[] rounds = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            long before = abb.Cost.Rounds;
            await strategy.AttemptAsync(abb, pool, JointRandomTape.Instance.NextWords(abb, layout.PanelSize));
            return abb.Cost.Rounds - before;
        }, new InProcessOptions { Engine = engine });
        return rounds[0];
    }

    /// <summary>n people, one feature with two values (quotas 0..k), panel size k.</summary>
    private static SelectionProblem TwoValues(int n, int k)
    {
        Feature[] features = [new("f", [new FeatureValue("a", 0, k), new FeatureValue("b", 0, k)])];
        return new SelectionProblem(features, Enumerable.Range(0, n).Select(i => new Candidate($"c{i}", [i % 3 == 0 ? "a" : "b"])).ToArray(), k);
    }

    [Fact]
    public async Task AStepTakesAtMostFortyRoundsAndTheWideDrawOneMore()
    {
        // Issue 15 item 3: a step (not the last: that one skips the removal) costs the difference between attempts of
        // k = 3 and k = 2 steps. At most 40 on both engines; above SmallDrawLimit candidates the draw's carry-save level
        // adds exactly one round per step (the draw runs beside the value choice, docs/secure-selection.md §3). Two-phase
        // computes its phase-1 set in the previous step's removal rounds and draws on its count beside the value choice,
        // so its step takes exactly as many rounds as legacy's.
        foreach (BlackBoxEngine engine in new[] { BlackBoxEngine.Replicated, BlackBoxEngine.Beaver })
        {
            int small = SecureSelectionLayout.SmallDrawLimit, wide = SecureSelectionLayout.SmallDrawLimit + 1;
            long stepSmall = await RoundsOfOneAttemptAsync(TwoValues(small, 3), engine) - await RoundsOfOneAttemptAsync(TwoValues(small, 2), engine);
            long stepWide = await RoundsOfOneAttemptAsync(TwoValues(wide, 3), engine) - await RoundsOfOneAttemptAsync(TwoValues(wide, 2), engine);
            Assert.InRange(stepSmall, 20, 40);
            Assert.Equal(stepSmall + 1, stepWide);

            var twoPhase = new SecureTwoPhaseGreedy();
            long twoPhaseSmall = await RoundsOfOneAttemptAsync(TwoValues(small, 3), engine, twoPhase) - await RoundsOfOneAttemptAsync(TwoValues(small, 2), engine, twoPhase);
            long twoPhaseWide = await RoundsOfOneAttemptAsync(TwoValues(wide, 3), engine, twoPhase) - await RoundsOfOneAttemptAsync(TwoValues(wide, 2), engine, twoPhase);
            Assert.Equal((stepSmall, stepWide), (twoPhaseSmall, twoPhaseWide));
        }
    }

    private static SelectionProblem Doubled(SelectionProblem small) =>
        new(small.Features, small.Candidates.Concat(small.Candidates.Select(c => new Candidate(c.Id + "-copy", c.Values))).ToArray(), small.PanelSize);

    [Fact]
    public async Task OnTheReplicatedEngineAnExtraCandidateCostsAConstantFewBytesPerStepWhateverV()
    {
        SelectionProblem small = Instances.ReadFixture150().ToProblem(22);
        SelectionProblem large = Doubled(small);
        long a = await BytesOfOneAttemptAsync(small, BlackBoxEngine.Replicated);
        long b = await BytesOfOneAttemptAsync(large, BlackBoxEngine.Replicated);
        double perCandidateStep = (double)(b - a) / (small.Candidates.Count * small.PanelSize);

        // One product of a per-person vector with all V columns alone would cost 4·V = 80 bytes per candidate on this
        // engine (before issue 15 a step made four such products: 4·(V + 3R) = 272 bytes); the whole step with inner
        // products, comparisons and the removal product tree stays below one, plus the products that fold alive and
        // 1 − h into the removal's inner products (issue 15 item 3: one round less per step for 4 bytes per column of the
        // two features with the fewest values, here gender and education: 2 + 3 columns). The figure is deterministic:
        // 70.5 before the fold, 89.6 with it.
        int foldColumns = small.Features.Select(f => f.Values.Count - 1).Order().Take(2).Sum();
        Assert.True(perCandidateStep < 4 * (small.ValueCount + foldColumns), $"{perCandidateStep:F1} bytes per extra candidate and step");
    }

    [Fact]
    public async Task TheReplicatedEngineSendsAFractionOfWhatTheBeaverEngineSends()
    {
        SelectionProblem problem = Instances.ReadFixture150().ToProblem(22);
        long replicated = await BytesOfOneAttemptAsync(problem, BlackBoxEngine.Replicated);
        long beaver = await BytesOfOneAttemptAsync(problem, BlackBoxEngine.Beaver);
        Assert.True(replicated * 4 < beaver, $"replicated {replicated} B, Beaver {beaver} B");
    }

    [Fact]
    public async Task TheWideDrawEqualsBigMulsHighWordForCountsUpToTwoToTheTwenty()
    {
        // Pools above 32 767 split the count into 16 + 4 bits; the carries of the digits are checked on edge words.
        using var prg = new AesCtrPrg(new byte[16] { 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        ushort[] limbs = [0, 0xFFFF, 0x8000, 0x7FFF, 1, 0xFFFE];
        int[] counts = [0, 1, 2, (1 << 15) - 1, 1 << 15, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 1_000_000, (1 << 20) - 1, 0xF0001];
        var cases = new List<(ulong Word, int Count)>();
        for (int i = 0; i < 70; i++)
        {
            ulong word = 0;
            for (int l = 0; l < 4; l++)
            {
                uint pick = prg.NextUInt32();
                ulong limb = pick % 3 == 0 ? (pick >> 8) & 0xFFFF : limbs[(pick >> 2) % (uint)limbs.Length];
                word |= limb << (16 * l);
            }

            uint c = prg.NextUInt32();
            cases.Add((word, c % 2 == 0 ? counts[(c >> 1) % (uint)counts.Length] : (int)((c >> 1) % (1 << 20))));
        }

        cases.Add((ulong.MaxValue, (1 << 20) - 1));
        cases.Add((ulong.MaxValue, 1 << 16));
        cases.Add((0xFFFF_FFFF_FFFF_0000, (1 << 20) - 1));
        uint[][] results = await InProcessParties.RunAsync(async abb =>
        {
            var r = new uint[cases.Count];
            for (int i = 0; i < cases.Count; i++)
            {
                ShareVector bits = await abb.ToArithmeticKeepingCompanionsAsync(abb.PublicBits([cases[i].Word], 64));
                ShareVector count = abb.Public([(uint)cases[i].Count]);
                r[i] = (await SecureGreedyEngine.WideDrawAsync(abb, bits, count, default)).Values[0];
            }

            return r;
        });
        for (int i = 0; i < cases.Count; i++)
        {
            uint opened = results[0][i] + results[1][i] + results[2][i];
            ulong expected = Math.BigMul(cases[i].Word, (ulong)cases[i].Count, out _);
            Assert.True(expected == opened, $"word {cases[i].Word:x16}, count {cases[i].Count}: expected {expected}, got {opened}");
        }
    }

    [Fact]
    public void TheLayoutAcceptsAMillionCandidatesAndRefusesWhatWouldOverflow()
    {
        Feature[] features = [new("f", [new FeatureValue("a", 0, 150), new FeatureValue("b", 0, 150)])];
        string[] ids = Enumerable.Range(0, 1_000_000).Select(i => $"c{i}").ToArray();
        Assert.Equal(1_000_000, new SecureSelectionLayout(ids, features, 150).CandidateCount);

        ArgumentException tooMany = Assert.Throws<ArgumentException>(() => new SecureSelectionLayout([.. ids, "one-more"], features, 150));
        Assert.Contains("1 to 1000000 candidates", tooMany.Message, StringComparison.Ordinal);

        // k·n ≥ 2^30 would let a need·remaining cross product wrap.
        ArgumentException product = Assert.Throws<ArgumentException>(() => new SecureSelectionLayout(ids, features, 1100));
        Assert.Contains("below 2^30", product.Message, StringComparison.Ordinal);
    }
}
