using BenchmarkDotNet.Attributes;
using MpcSortition.Core;

namespace MpcSortition.Benchmarks;

/// <summary>Share arithmetic: the SIMD kernels of <see cref="Ring32"/> against plain scalar loops.</summary>
[MemoryDiagnoser]
public class RingBenchmarks
{
    private uint[] _x = [];
    private uint[] _y = [];
    private uint[] _d = [];

    /// <summary>Vector length: 1 K (cache), 1 M (L2/L3), 16 M (memory).</summary>
    [Params(1 << 10, 1 << 20, 1 << 24)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new uint[N];
        _y = new uint[N];
        _d = new uint[N];
        using var prg = new AesCtrPrg(new byte[16]);
        prg.Fill(_x);
        prg.Fill(_y);
        _d.AsSpan().Fill(1); // touch the pages before timing
    }

    [Benchmark(Baseline = true)]
    public void AddScalar()
    {
        uint[] x = _x, y = _y, d = _d;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = x[i] + y[i];
        }
    }

    [Benchmark]
    public void AddSimd() => Ring32.Add(_x, _y, _d);

    [Benchmark]
    public void SubtractScalar()
    {
        uint[] x = _x, y = _y, d = _d;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = x[i] - y[i];
        }
    }

    [Benchmark]
    public void SubtractSimd() => Ring32.Subtract(_x, _y, _d);

    [Benchmark]
    public void MultiplyByConstantScalar()
    {
        uint[] x = _x, d = _d;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = x[i] * 0x9E3779B9u;
        }
    }

    [Benchmark]
    public void MultiplyByConstantSimd() => Ring32.Multiply(_x, 0x9E3779B9u, _d);
}
