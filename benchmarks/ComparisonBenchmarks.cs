using BenchmarkDotNet.Attributes;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Benchmarks;

/// <summary>
/// The comparison toolkit among three in-process parties (in-memory transport, dealer-free triples): one call of
/// each party per operation, all three run concurrently. Throughput = Batch / mean time. The loopback-TLS figures
/// come from <c>bench lt</c> / <c>bench eq</c> in the CLI.
/// </summary>
[MemoryDiagnoser]
public class ComparisonBenchmarks
{
    private SemiHonestBlackBox[] _parties = [];
    private ShareVector[] _x = [], _y = [], _groups = [];

    /// <summary>Elements per batch.</summary>
    [Params(1_000, 100_000)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ITransport[] transports = InMemoryNetwork.Create(3);
        _parties = Task.WhenAll(transports.Select(async t => new SemiHonestBlackBox(await PartySession.EstablishAsync(t)))).GetAwaiter().GetResult();
        var x = new uint[Batch];
        var y = new uint[Batch];
        using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
        {
            prg.Fill(x);
            prg.Fill(y);
        }

        ShareVector[] xs = AdditiveSharing.Split(x, 3), ys = AdditiveSharing.Split(y, 3);
        int groups = Math.Max(1, Batch / 435); // 435 pairwise comparisons per group of 30: about Batch in total
        _x = new ShareVector[3];
        _y = new ShareVector[3];
        _groups = new ShareVector[3];
        for (int p = 0; p < 3; p++)
        {
            _parties[p].Trace.RecordEntries = false;
            _x[p] = _parties[p].FromShares(xs[p].Values);
            _y[p] = _parties[p].FromShares(ys[p].Values);
            _groups[p] = _parties[p].Slice(_x[p], 0, groups * 30);
        }

    }

    [GlobalCleanup]
    public void Cleanup() => Task.WhenAll(_parties.Select(p => p.DisposeAsync().AsTask())).GetAwaiter().GetResult();

    /// <summary>Exact unsigned x &lt; y (8 rounds).</summary>
    [Benchmark]
    public Task LessThan() => Run((abb, p) => abb.LessThanAsync(_x[p], _y[p]).AsTask());

    /// <summary>Sign of x − y (7 rounds), valid for |x − y| &lt; 2^31.</summary>
    [Benchmark]
    public Task LessThanSignOfDifference() => Run((abb, p) => abb.LessThanAsync(_x[p], _y[p], ComparisonMode.SignOfDifference).AsTask());

    /// <summary>x = y (6 rounds).</summary>
    [Benchmark]
    public Task Equal() => Run((abb, p) => abb.EqualAsync(_x[p], _y[p]).AsTask());

    /// <summary>All 32 bits of x (A2B, 7 rounds).</summary>
    [Benchmark]
    public Task ToBits() => Run((abb, p) => abb.ToBitsAsync(_x[p]).AsTask());

    /// <summary>Argmax over groups of 30 values (about Batch pairwise comparisons in total; 15 rounds).</summary>
    [Benchmark]
    public Task ArgMax30() => Run((abb, p) => abb.ArgMaxAsync(_groups[p], 30).AsTask());

    private Task Run<T>(Func<SemiHonestBlackBox, int, Task<T>> op) => Task.WhenAll(_parties.Select((abb, p) =>
    {
        abb.Audit.Clear();
        return op(abb, p);
    }));
}
