using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Selection;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Selection.Tests;

public sealed class StrategyTests
{
    public static TheoryData<string> StrategyNames => new() { "legacy", "legacy-clamped", "two-phase" };

    internal static ISelectionStrategy Create(string name) => name switch
    {
        "legacy" => new LegacyGreedy(),
        "legacy-clamped" => new LegacyGreedy(clamped: true),
        "two-phase" => new TwoPhaseGreedy(),
        _ => throw new ArgumentException(name),
    };

    private static byte[] SeedOf(uint x)
    {
        var seed = new byte[16];
        BitConverter.TryWriteBytes(seed, x);
        seed[8] = 0x5e;
        return seed;
    }

    [Theory]
    [MemberData(nameof(StrategyNames))]
    public void EveryReturnedPanelIsValidOnGeneratedFeasibleProblems(string name)
    {
        ISelectionStrategy strategy = Create(name);
        int successes = 0;
        int total = 0;
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, (problemSeed, tapeSeed) =>
        {
            SelectionProblem problem = Instances.GenerateFeasible(problemSeed);
            Assert.Empty(FeasibilityCheck.Check(problem));
            total++;
            try
            {
                SelectionResult result = PanelSelector.Select(problem, strategy, SeedOf(tapeSeed));
                successes++;
                return problem.IsValidPanel(result.Panel) && result.Panel.Count == problem.PanelSize
                    && result.Panel.Distinct().Count() == problem.PanelSize;
            }
            catch (SelectionFailedException e)
            {
                // Allowed: the greedy can miss a panel that exists; it must never return an invalid one.
                return e.Attempts == PanelSelector.DefaultAttempts;
            }
        }));

        // The witness panel makes every generated problem feasible; the strategies find a panel almost always.
        Assert.True(successes >= total * 0.9, $"{successes} of {total}");
    }

    [Theory]
    [MemberData(nameof(StrategyNames))]
    public void EveryReturnedPanelIsValidWithSharedAddresses(string name)
    {
        ISelectionStrategy strategy = Create(name);
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, (problemSeed, tapeSeed) =>
        {
            SelectionProblem problem = Instances.GenerateFeasible(problemSeed, addresses: true);
            try
            {
                return problem.IsValidPanel(PanelSelector.Select(problem, strategy, SeedOf(tapeSeed)).Panel);
            }
            catch (SelectionFailedException)
            {
                return true;
            }
            catch (InfeasibleQuotasException)
            {
                return false;
            }
        }));
    }

    [Theory]
    [MemberData(nameof(StrategyNames))]
    public void ASeedReproducesThePanel(string name)
    {
        ISelectionStrategy strategy = Create(name);
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, (problemSeed, tapeSeed) =>
        {
            SelectionProblem problem = Instances.GenerateFeasible(problemSeed);
            SelectionAttempt a;
            SelectionAttempt b;
            using (var tape = new RandomTape(SeedOf(tapeSeed)))
            {
                a = strategy.Attempt(problem, tape);
            }

            using (var tape = new RandomTape(SeedOf(tapeSeed)))
            {
                b = strategy.Attempt(problem, tape);
            }

            return a.Panel.SequenceEqual(b.Panel) && a.FailureReason == b.FailureReason && a.Steps.SequenceEqual(b.Steps)
                && (!a.Succeeded || a.Steps.Select(s => s.Person).SequenceEqual(a.Panel));
        }));
    }

    [Theory]
    [MemberData(nameof(StrategyNames))]
    public void AnAttemptReadsExactlyKWordsAndSelectReadsKPerAttempt(string name)
    {
        ISelectionStrategy strategy = Create(name);
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, (problemSeed, tapeSeed) =>
        {
            SelectionProblem problem = Instances.GenerateFeasible(problemSeed, addresses: (problemSeed & 1) == 1);
            using var inner = new RandomTape(SeedOf(tapeSeed));
            var tape = new CountingTape(inner);
            SelectionAttempt attempt = strategy.Attempt(problem, tape);
            bool one = tape.Read == problem.PanelSize;

            using var inner2 = new RandomTape(SeedOf(tapeSeed));
            var tape2 = new CountingTape(inner2);
            try
            {
                SelectionResult result = PanelSelector.Select(problem, strategy, tape2, maxAttempts: 5);
                return one && tape2.Read == result.Attempts * problem.PanelSize && (result.Attempts > 1 || attempt.Succeeded);
            }
            catch (SelectionFailedException)
            {
                return one && tape2.Read == 5 * problem.PanelSize && !attempt.Succeeded;
            }
        }));
    }

    [Theory]
    [MemberData(nameof(StrategyNames))]
    public void AttemptAUsesTapeWordsAkToAkPlusK(string name)
    {
        // Replaying the words of the successful attempt alone gives the same panel.
        ISelectionStrategy strategy = Create(name);
        SelectionProblem problem = Instances.ExampleSmall20();
        int k = problem.PanelSize;
        for (uint s = 0; s < 20; s++)
        {
            var words = new List<ulong>();
            using (var tape = new RandomTape(SeedOf(s)))
            {
                for (int i = 0; i < 100 * k; i++)
                {
                    words.Add(tape.NextUInt64());
                }
            }

            SelectionResult result = PanelSelector.Select(problem, strategy, new FixedTape([.. words]));
            int a = result.Attempts - 1;
            SelectionAttempt replay = strategy.Attempt(problem, new FixedTape([.. words.Skip(a * k).Take(k)]));
            Assert.True(replay.Succeeded);
            Assert.Equal(result.Panel, replay.Panel);
        }
    }

    [Fact]
    public void PaperEraNeedGoesNegativeButClampedNeedStopsAtZero()
    {
        // One feature, A [1, 3] and B [0, 3], three of each, k = 3, every draw 0 (first eligible person).
        // Paper-era: A (1/3), then A (0/2 ties B 0/3, A first), then B (A is −1/1 < B 0/3).
        // Clamped: the third step ties A 0/1 and B 0/3, so A again.
        var features = new[] { new Feature("f", [new FeatureValue("A", 1, 3), new FeatureValue("B", 0, 3)]) };
        var pool = new[] { "B", "A", "B", "A", "A", "B" }.Select((v, i) => new Candidate($"p{i}", [v]));
        var problem = new SelectionProblem(features, pool, 3);
        SelectionAttempt paper = new LegacyGreedy().Attempt(problem, new FixedTape(0));
        SelectionAttempt clamped = new LegacyGreedy(clamped: true).Attempt(problem, new FixedTape(0));
        Assert.Equal([1, 3, 0], paper.Panel);
        Assert.Equal([1, 3, 4], clamped.Panel);
        Assert.Equal([0, 0, 1], paper.Steps.Select(s => s.Value));
        Assert.Equal([0, 0, 0], clamped.Steps.Select(s => s.Value));
        Assert.Equal([0, 0, 0], paper.Steps.Select(s => s.Rank));
    }

    [Fact]
    public void TheDrawPicksTheRthAlivePersonWithTheValueInPoolOrder()
    {
        var features = new[] { new Feature("f", [new FeatureValue("A", 2, 2), new FeatureValue("B", 0, 0)]) };
        var pool = new[] { "A", "B", "A", "A", "B", "A" }.Select((v, i) => new Candidate($"p{i}", [v]));
        var problem = new SelectionProblem(features, pool, 2);

        // Step 1: 4 A remain; word 2^63 → r = 2 → third A = p3. Step 2: A remaining p0, p2, p5; word max → r = 2 → p5.
        SelectionAttempt attempt = new LegacyGreedy().Attempt(problem, new FixedTape(1UL << 63, ulong.MaxValue));
        Assert.Equal([3, 5], attempt.Panel);
        Assert.Equal([new SelectionStep(0, 2, 3), new SelectionStep(0, 2, 5)], attempt.Steps);
    }

    [Fact]
    public void RatioTiesGoToTheFirstValueInFileOrder()
    {
        // gender: f, m both 1/2; age: y, o both 1/2; all ties at step 1 → gender/f (value 0).
        var features = new[]
        {
            new Feature("gender", [new FeatureValue("f", 1, 1), new FeatureValue("m", 1, 1)]),
            new Feature("age", [new FeatureValue("y", 1, 1), new FeatureValue("o", 1, 1)]),
        };
        Candidate[] pool = [new("a", ["m", "y"]), new("b", ["f", "o"]), new("c", ["m", "o"]), new("d", ["f", "y"])];
        var problem = new SelectionProblem(features, pool, 2);
        SelectionAttempt attempt = new LegacyGreedy().Attempt(problem, new FixedTape(0));

        // Step 1 picks the first f (b, who is "o"); then f and o are full, so a (m, y) is the only one left.
        Assert.Equal([1, 0], attempt.Panel);
    }

    [Fact]
    public void ChooseValueComparesRatiosExactly()
    {
        // 1/3 vs 333333/1000000: 1/3 is larger by 1/3 000 000, which float rounding would still see; 2/6 = 1/3 is a tie.
        Assert.Equal(0, LegacyGreedy.ChooseValue([0, 0], [3, 1_000_000], [1, 333_333], clamped: false));
        Assert.Equal(0, LegacyGreedy.ChooseValue([0, 0], [3, 6], [1, 2], clamped: false));
        Assert.Equal(1, LegacyGreedy.ChooseValue([0, 0], [3, 5], [1, 2], clamped: false));
        Assert.Equal(1, LegacyGreedy.ChooseValue([5, 0], [1, 50], [1, 0], clamped: false)); // −4/1 < 0/50
        Assert.Equal(0, LegacyGreedy.ChooseValue([5, 0], [1, 50], [1, 0], clamped: true)); // 0 ties 0 → first
        Assert.Equal(-1, LegacyGreedy.ChooseValue([0, 0], [0, 0], [1, 1], clamped: false));
        Assert.Equal(1, LegacyGreedy.ChooseValue([0, 0], [0, 4], [9, 1], clamped: false)); // value 0 has nobody left
    }

    [Fact]
    public void TwoPhaseSamplesPeopleWhoHelpAnUnmetMinimumThenFillsTheLowestFill()
    {
        // f: A [1, 2], B [0, 3]. Phase 1 eligible = people with A. Then phase 2: lowest selected/max: A 1/2 vs B 0/3 → B.
        var features = new[] { new Feature("f", [new FeatureValue("A", 1, 2), new FeatureValue("B", 0, 3)]) };
        var pool = new[] { "B", "A", "B", "A" }.Select((v, i) => new Candidate($"p{i}", [v]));
        var problem = new SelectionProblem(features, pool, 3);
        SelectionAttempt attempt = new TwoPhaseGreedy().Attempt(problem, new FixedTape(ulong.MaxValue, 0, 0));

        // Step 1: eligible p1, p3; r = 1 → p3. Step 2: B (0/3 < 1/2) → p0. Step 3: A 1/2 vs B 1/3 → B → p2.
        Assert.Equal([3, 0, 2], attempt.Panel);
        Assert.Equal([new SelectionStep(-1, 1, 3), new SelectionStep(1, 0, 0), new SelectionStep(1, 0, 2)], attempt.Steps);
    }

    [Fact]
    public void SameAddressExcludesHouseholdMembers()
    {
        var features = new[] { new Feature("f", [new FeatureValue("A", 0, 3)]) };
        Candidate[] pool = [new("a", ["A"], "x"), new("b", ["A"], "x"), new("c", ["A"], "y"), new("d", ["A"], null)];
        var problem = new SelectionProblem(features, pool, 3);
        for (uint s = 0; s < 30; s++)
        {
            SelectionResult result = PanelSelector.Select(problem, new LegacyGreedy(), SeedOf(s));
            Assert.False(result.Panel.Contains(0) && result.Panel.Contains(1));
            Assert.Contains(2, result.Panel);
            Assert.Contains(3, result.Panel);
        }
    }

    [Fact]
    public void AProblemThatPassesTheCountsButHasNoPanelFailsNamingTheValue()
    {
        // Both men are in group g2, whose max is 0: the counts pass, but no panel can hold a man.
        var features = new[]
        {
            new Feature("gender", [new FeatureValue("f", 1, 1), new FeatureValue("m", 1, 1)]),
            new Feature("group", [new FeatureValue("g1", 2, 2), new FeatureValue("g2", 0, 0)]),
        };
        Candidate[] pool = [new("a", ["f", "g1"]), new("b", ["f", "g1"]), new("c", ["m", "g2"]), new("d", ["m", "g2"])];
        var problem = new SelectionProblem(features, pool, 2);
        Assert.Empty(FeasibilityCheck.Check(problem));
        var tape = new CountingTape(new FixedTape(7));
        var e = Assert.Throws<SelectionFailedException>(() => PanelSelector.Select(problem, new LegacyGreedy(), tape, maxAttempts: 3));
        Assert.Equal(3, e.Attempts);
        Assert.Contains("gender/m", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, tape.Read);
    }

    [Fact]
    public void Fixture150_AllStrategiesSelectValidPanelsOfTwentyTwo()
    {
        SelectionProblem problem = Instances.ReadFixture150().ToProblem(22);
        foreach (string name in new[] { "legacy", "legacy-clamped", "two-phase" })
        {
            for (uint s = 0; s < 10; s++)
            {
                SelectionResult result = PanelSelector.Select(problem, Create(name), SeedOf(s));
                Assert.True(problem.IsValidPanel(result.Panel), name);
                Assert.DoesNotContain(result.Candidates, c => c.Values[1] == "0-15"); // max 0
            }
        }
    }

    [Fact]
    public void Sample20_SelectsValidPanelsForEveryFeasibleK()
    {
        SortitionData data = SortitionCsv.Read(
            Path.Combine(Instances.Sample20, "sample_respondents.csv"),
            Path.Combine(Instances.Sample20, "sample_targets.csv"),
            new SortitionCsvOptions { IdColumn = "ID" });
        for (int k = 8; k <= 12; k++)
        {
            SelectionProblem problem = data.ToProblem(k);
            Assert.Empty(FeasibilityCheck.Check(problem));
            SelectionResult result = PanelSelector.Select(problem, new LegacyGreedy(), SeedOf((uint)k));
            Assert.True(problem.IsValidPanel(result.Panel));
        }

        Assert.NotEmpty(FeasibilityCheck.Check(data.ToProblem(13)));
        Assert.NotEmpty(FeasibilityCheck.Check(data.ToProblem(7)));
    }

    [Fact]
    public void SharedNature2021FilesGiveTheRebuiltProblemsWhenPresent()
    {
        // Optional: only where /work/shared/data exists; the rebuilt instances are what every other test uses.
        if (Instances.SharedData is not { } shared)
        {
            Assert.Null(Instances.SharedData);
            return;
        }

        foreach ((string folder, SelectionProblem rebuilt) in new[] { ("example_small_20", Instances.ExampleSmall20()), ("example_large_200", Instances.ExampleLarge200()) })
        {
            SelectionProblem read = SortitionCsv.Read(Path.Combine(shared, folder, "respondents.csv"), Path.Combine(shared, folder, "categories.csv")).ToProblem(rebuilt.PanelSize);
            Assert.Equal(rebuilt.Candidates.Select(c => string.Join(",", c.Values)), read.Candidates.Select(c => string.Join(",", c.Values)));
            Assert.Equal(rebuilt.Features.SelectMany(f => f.Values.Select(v => (f.Name, v.Name, v.Min, v.Max))), read.Features.SelectMany(f => f.Values.Select(v => (f.Name, v.Name, v.Min, v.Max))));
            Assert.Equal(
                PanelSelector.Select(rebuilt, new LegacyGreedy(), SeedOf(1)).Panel,
                PanelSelector.Select(read, new LegacyGreedy(), SeedOf(1)).Panel);
        }
    }

    [Fact]
    public void UniformDrawKnownAnswers()
    {
        Assert.Equal(0, RandomTape.Uniform(0, 7));
        Assert.Equal(6, RandomTape.Uniform(ulong.MaxValue, 7));
        Assert.Equal(1, RandomTape.Uniform(1UL << 63, 2));
        Assert.Equal(0, RandomTape.Uniform((1UL << 63) - 1, 2));
        Assert.Equal(0, RandomTape.Uniform(ulong.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomTape.Uniform(5, 0));
    }

    [Fact]
    public void UniformDrawIsFloorOfWordTimesCountOverTwoToThe64()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, Properties.AnyUInt, (hi, lo, c) =>
        {
            ulong word = ((ulong)hi << 32) | lo;
            int count = (int)(c % int.MaxValue) + 1;
            var expected = (System.Numerics.BigInteger)word * count >> 64;
            return RandomTape.Uniform(word, count) == (int)expected;
        }));
    }

    [Fact]
    public void TapeWordsAreTheKeystreamReadLittleEndian()
    {
        byte[] seed = SeedOf(42);
        var bytes = new byte[8 * 300];
        using (var prg = new Core.AesCtrPrg(seed))
        {
            prg.FillBytes(bytes);
        }

        using var tape = new RandomTape(seed);
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(BitConverter.ToUInt64(bytes, 8 * i), tape.NextUInt64());
        }
    }

    [Fact]
    public void SeedsFromStringsAndDerivedSeeds()
    {
        byte[] a = RandomTape.SeedFromString("42");
        Assert.Equal(16, a.Length);
        Assert.Equal(a, RandomTape.SeedFromString("42"));
        Assert.NotEqual(a, RandomTape.SeedFromString("43"));
        Assert.Equal(a, RandomTape.SeedFromString(RandomTape.ToHex(a)));
        Assert.NotEqual(RandomTape.DeriveSeed(a, 0), RandomTape.DeriveSeed(a, 1));
        Assert.Equal(RandomTape.DeriveSeed(a, 5), RandomTape.DeriveSeed(a, 5));
        Assert.Throws<ArgumentException>(() => RandomTape.DeriveSeed(new byte[15], 0));
    }
}
