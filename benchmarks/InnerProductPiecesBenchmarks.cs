using BenchmarkDotNet.Attributes;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Benchmarks;

/// <summary>
/// One round of the two-phase selection's shape on the replicated engine, all three parties in one process
/// (in-memory transport): n rows of R = 22 reduced columns next to n·F = 8n element-wise products (row length 1).
/// <see cref="Grouped"/> is <c>LocalMaps.InnerProductPiecesAsync</c> (sums in place); <see cref="Padded"/> is what the
/// selection did before: every length-1 row zero-padded to 22 terms, the groups concatenated, one inner product.
/// Both send the same message; compare time and allocated bytes.
/// </summary>
[MemoryDiagnoser]
public class InnerProductPiecesBenchmarks
{
    private const int R = 22;
    private const int F = 8;

    private IArithmeticBlackBox[] _boxes = null!;
    private ShareVector[] _rowsX = null!, _rowsY = null!, _x = null!, _y = null!;

    /// <summary>The number of people n.</summary>
    [Params(10_000)]
    public int People { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Timeout.InfiniteTimeSpan);
        _boxes = Task.WhenAll(transports.Select(t => BlackBoxEngines.CreateAsync(t, BlackBoxEngine.Replicated))).GetAwaiter().GetResult();
        _rowsX = _boxes.Select(b => b.Random(People * R)).ToArray();
        _rowsY = _boxes.Select(b => b.Random(People * R)).ToArray();
        _x = _boxes.Select(b => b.Random(People * F)).ToArray();
        _y = _boxes.Select(b => b.Random(People * F)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => Task.WhenAll(_boxes.Select(b => b.DisposeAsync().AsTask())).GetAwaiter().GetResult();

    /// <summary>Both groups through the grouped call.</summary>
    [Benchmark(Baseline = true)]
    public Task Grouped() => Task.WhenAll(Enumerable.Range(0, 3).Select(p =>
        _boxes[p].InnerProductPiecesAsync([(_rowsX[p], _rowsY[p], R), (_x[p], _y[p], 1)], R).AsTask()));

    /// <summary>The length-1 group zero-padded to R and concatenated, one inner product.</summary>
    [Benchmark]
    public Task Padded() => Task.WhenAll(Enumerable.Range(0, 3).Select(p =>
    {
        IArithmeticBlackBox abb = _boxes[p];
        ShareVector Pad(ShareVector v) => abb.Map(v, v.Length * R, (s, o) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                o[i * R] = s[i];
            }
        });
        return abb.InnerProductAsync(abb.Concat(_rowsX[p], Pad(_x[p])), abb.Concat(_rowsY[p], Pad(_y[p])), R).AsTask();
    }));
}
