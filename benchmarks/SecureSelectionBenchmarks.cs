using BenchmarkDotNet.Attributes;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Benchmarks;

/// <summary>
/// Time of one secure attempt (k steps on shares, nothing opened) with the three providers in this process over the
/// in-memory transport: example_small_20 (rebuilt, n = 200, k = 20, V = 4), the 150-person fixture (k = 22, V = 20)
/// and a generated pool of n = 10 000, k = 150, 8 features, V = 30. Each operation also sets up the three sessions
/// (a few milliseconds).
/// </summary>
[MemoryDiagnoser]
public class SecureSelectionBenchmarks
{
    private Instance _small20 = null!;
    private Instance _fixture150 = null!;
    private Instance _generated10k = null!;

    /// <summary>The strategy measured (the two step rules of the secure engine).</summary>
    [Params("legacy", "two-phase")]
    public string Strategy { get; set; } = "legacy";

    [GlobalSetup]
    public void Setup()
    {
        _small20 = new Instance(GenderLeaning());
        _fixture150 = new Instance(SelectionBenchmarks.Fixture150());
        _generated10k = new Instance(SelectionBenchmarks.Generate(n: 10_000, k: 150, valuesPerFeature: [2, 3, 4, 4, 4, 4, 5, 4]));
    }

    /// <summary>One attempt on example_small_20 (rebuilt).</summary>
    [Benchmark]
    public Task<long> AttemptSmall20() => _small20.AttemptAsync(Create(Strategy));

    /// <summary>One attempt on the 150-person fixture, k = 22.</summary>
    [Benchmark]
    public Task<long> AttemptFixture150() => _fixture150.AttemptAsync(Create(Strategy));

    /// <summary>One attempt on the generated pool, n = 10 000, k = 150, V = 30.</summary>
    [Benchmark]
    public Task<long> AttemptGenerated10k() => _generated10k.AttemptAsync(Create(Strategy));

    internal static ISecureSelectionStrategy Create(string name) => name switch
    {
        "legacy" => new SecureLegacyGreedy(),
        "legacy-clamped" => new SecureLegacyGreedy(clamped: true),
        "two-phase" => new SecureTwoPhaseGreedy(),
        _ => throw new ArgumentException($"Unknown strategy '{name}'.", nameof(name)),
    };

    /// <summary>example_small_20 rebuilt: 1 female-conservative, 99 female-liberal, 100 male-conservative; min 9, max 20; k = 20.</summary>
    internal static SelectionProblem GenderLeaning()
    {
        Feature[] features =
        [
            new("gender", [new FeatureValue("female", 9, 20), new FeatureValue("male", 9, 20)]),
            new("leaning", [new FeatureValue("liberal", 9, 20), new FeatureValue("conservative", 9, 20)]),
        ];
        var people = new List<Candidate>();
        void Add(int count, string gender, string leaning)
        {
            for (int i = 0; i < count; i++)
            {
                people.Add(new Candidate(people.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), [gender, leaning]));
            }
        }

        Add(1, "female", "conservative");
        Add(99, "female", "liberal");
        Add(100, "male", "conservative");
        return new SelectionProblem(features, people, 20);
    }

    /// <summary>A problem dealt once into shares; each attempt runs the three parties afresh.</summary>
    internal sealed class Instance(SelectionProblem problem)
    {
        private readonly SecureSelectionLayout _layout = SecureSelectionLayout.FromProblem(problem);
        private readonly ShareVector[] _shares = SecurePool.Share(problem);

        /// <summary>One attempt; returns party 0's rounds (so the work cannot be optimised away).</summary>
        internal async Task<long> AttemptAsync(ISecureSelectionStrategy strategy, BlackBoxEngine engine = BlackBoxEngine.Replicated)
        {
            long[] rounds = await InProcessParties.RunAsync(async abb =>
            {
                abb.Trace.RecordEntries = false;
                SecurePool pool = SecurePool.FromShares(abb, _layout, _shares[abb.PartyIndex].Values);
                SecureAttempt attempt = await strategy.AttemptAsync(abb, pool, JointRandomTape.Instance.NextWords(abb, _layout.PanelSize));
                return abb.Trace.Rounds + attempt.Success.BitLength;
            }, new InProcessOptions { Engine = engine });
            return rounds[0];
        }
    }
}
