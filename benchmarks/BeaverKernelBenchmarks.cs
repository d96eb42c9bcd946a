using BenchmarkDotNet.Attributes;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Benchmarks;

/// <summary>
/// The local work of one party in a Beaver multiplication of 1 M elements (no communication): the replicated triple
/// formula step by step (one pass per operation, the code before issue 14's fourth item) and in one pass, the pass that
/// also writes the openings d = x − a and e = y − b, and the one-pass combination after the exchange.
/// </summary>
[MemoryDiagnoser]
public class BeaverKernelBenchmarks
{
    private const int Count = 1_000_000;
    private readonly uint[] _a = new uint[Count], _b = new uint[Count], _c = new uint[Count];
    private readonly uint[] _x = new uint[Count], _y = new uint[Count];
    private readonly uint[] _d1 = new uint[Count], _e1 = new uint[Count], _d2 = new uint[Count], _e2 = new uint[Count];
    private PartySession[] _sessions = null!;
    private ReplicatedTripleSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Timeout.InfiniteTimeSpan);
        _sessions = Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t))).GetAwaiter().GetResult();
        _source = new ReplicatedTripleSource(_sessions[0]);
        using var prg = new AesCtrPrg(new byte[16]);
        foreach (uint[] v in new[] { _x, _y, _d1, _e1, _d2, _e2 })
        {
            prg.Fill(v);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _source.Dispose();
        Task.WhenAll(_sessions.Select(s => s.DisposeAsync().AsTask())).GetAwaiter().GetResult();
    }

    /// <summary>1 M triples, one pass per operation over 32 KiB chunks (TensorPrimitives).</summary>
    [Benchmark(Baseline = true)]
    public void TriplesStepwise1M() => _source.FillBeaverTriplesStepwise(_a, _b, _c);

    /// <summary>1 M triples, the one-pass formula over 4 KiB chunks of the ten keystreams.</summary>
    [Benchmark]
    public void TriplesOnePass1M() => _source.FillBeaverTriples(_a, _b, _c);

    /// <summary>1 M triples written as the openings d = x − a, e = y − b (and c): the Beaver multiplication's first step.</summary>
    [Benchmark]
    public void TriplesMasked1M() => _source.FillMasked<uint>(_x, _y, _a, _b, _c);

    /// <summary>The combination after the exchange: d, e summed over three parties, z = c + d·b + e·a + d·e.</summary>
    [Benchmark]
    public void Combine1M() => BeaverKernels.Combine<uint, ArithmeticLanes>(_x, _y, _a, _b, _d1, _e1, _d2, _e2, _c, constantHolder: true);
}
