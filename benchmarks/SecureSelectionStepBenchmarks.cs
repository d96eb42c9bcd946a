using BenchmarkDotNet.Attributes;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Benchmarks;

/// <summary>
/// The cost of secure greedy steps at n = 1 000 and n = 10 000 (8 features, V = 30) on each engine: one attempt of
/// k = 2 steps with the three providers in this process (in-memory transport), legacy strategy, including the
/// per-attempt preparation (making the pool replicated on the replicated engine) and the session set-up. The rounds
/// and bytes of a step do not depend on k; see docs/secure-selection.md §5 for the bytes.
/// </summary>
[MemoryDiagnoser]
public class SecureSelectionStepBenchmarks
{
    private const int Steps = 2;
    private static readonly int[] ValuesPerFeature = [2, 3, 4, 4, 4, 4, 5, 4];
    private SecureSelectionBenchmarks.Instance _n1000 = null!;
    private SecureSelectionBenchmarks.Instance _n10000 = null!;

    /// <summary>The black box.</summary>
    [Params(BlackBoxEngine.Replicated, BlackBoxEngine.Beaver)]
    public BlackBoxEngine Engine { get; set; } = BlackBoxEngine.Replicated;

    [GlobalSetup]
    public void Setup()
    {
        _n1000 = new SecureSelectionBenchmarks.Instance(SelectionBenchmarks.Generate(n: 1_000, k: Steps, valuesPerFeature: ValuesPerFeature));
        _n10000 = new SecureSelectionBenchmarks.Instance(SelectionBenchmarks.Generate(n: 10_000, k: Steps, valuesPerFeature: ValuesPerFeature));
    }

    /// <summary>Two steps at n = 1 000.</summary>
    [Benchmark]
    public Task<long> TwoStepsN1000() => _n1000.AttemptAsync(new SecureLegacyGreedy(), Engine);

    /// <summary>Two steps at n = 10 000.</summary>
    [Benchmark]
    public Task<long> TwoStepsN10000() => _n10000.AttemptAsync(new SecureLegacyGreedy(), Engine);
}
