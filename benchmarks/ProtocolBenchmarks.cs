using MpcSortition.Core;
using BenchmarkDotNet.Attributes;
using MpcSortition.Protocols;

namespace MpcSortition.Benchmarks;

/// <summary>
/// Multiplication of a whole batch by all three parties in one process (in-memory transport), on either engine: Beaver
/// (dealer-free replicated triples; one round including triple generation, d/e masking, the exchange and the output
/// shares) or replicated (cross terms, a zero sharing and the resharing to one peer). <see cref="InnerProduct30"/> is
/// Batch inner products of 30 terms.
/// Throughput = Batch / mean time. On a 2-core machine the three parties share the cores, so this is the total CPU
/// cost of a multiplication for all parties, not a network figure (see <c>bench mul</c> in the CLI for that).
/// </summary>
[MemoryDiagnoser]
public class ProtocolMultiplyBenchmarks
{
    private IArithmeticBlackBox[] _boxes = null!;
    private ShareVector[] _x = null!;
    private ShareVector[] _y = null!;

    private ShareVector[] _rowsX = null!;
    private ShareVector[] _rowsY = null!;

    /// <summary>Multiplications per batch.</summary>
    [Params(1_000, 100_000, 1_000_000)]
    public int Batch { get; set; }

    /// <summary>The black box.</summary>
    [Params(BlackBoxEngine.Beaver, BlackBoxEngine.Replicated)]
    public BlackBoxEngine Engine { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Timeout.InfiniteTimeSpan);
        _boxes = Task.WhenAll(transports.Select(t => BlackBoxEngines.CreateAsync(t, Engine))).GetAwaiter().GetResult();
        _x = _boxes.Select(b => b.Random(Batch)).ToArray();
        _y = _boxes.Select(b => b.Random(Batch)).ToArray();
        _rowsX = _boxes.Select(b => b.Random(30 * Batch)).ToArray();
        _rowsY = _boxes.Select(b => b.Random(30 * Batch)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => Task.WhenAll(_boxes.Select(b => b.DisposeAsync().AsTask())).GetAwaiter().GetResult();

    /// <summary>One batch of multiplications at all three parties.</summary>
    [Benchmark]
    public Task Multiply() => Task.WhenAll(
        _boxes[0].MultiplyAsync(_x[0], _y[0]).AsTask(),
        _boxes[1].MultiplyAsync(_x[1], _y[1]).AsTask(),
        _boxes[2].MultiplyAsync(_x[2], _y[2]).AsTask());

    /// <summary>Batch inner products of 30 terms at all three parties.</summary>
    [Benchmark]
    public Task InnerProduct30() => Task.WhenAll(
        _boxes[0].InnerProductAsync(_rowsX[0], _rowsY[0], 30).AsTask(),
        _boxes[1].InnerProductAsync(_rowsX[1], _rowsY[1], 30).AsTask(),
        _boxes[2].InnerProductAsync(_rowsX[2], _rowsY[2], 30).AsTask());
}

/// <summary>Generation of this party's shares of 1 M Beaver triples from pairwise seeds (no communication).</summary>
[MemoryDiagnoser]
public class ProtocolTripleBenchmarks
{
    private const int Count = 1_000_000;
    private readonly uint[] _a = new uint[Count], _b = new uint[Count], _c = new uint[Count];
    private PartySession[] _sessions = null!;
    private ReplicatedTripleSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Timeout.InfiniteTimeSpan);
        _sessions = Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t))).GetAwaiter().GetResult();
        _source = new ReplicatedTripleSource(_sessions[0]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _source.Dispose();
        Task.WhenAll(_sessions.Select(s => s.DisposeAsync().AsTask())).GetAwaiter().GetResult();
    }

    /// <summary>One party's shares of 1 M triples.</summary>
    [Benchmark]
    public void ReplicatedTriples1M() => _source.FillBeaverTriples(_a, _b, _c);
}
