using BenchmarkDotNet.Attributes;
using MpcSortition.Core;

namespace MpcSortition.Benchmarks;

/// <summary>AES-128-CTR PRG throughput: bytes of keystream per second on one core.</summary>
[MemoryDiagnoser]
public class PrgBenchmarks
{
    private readonly uint[] _buffer = new uint[1 << 20]; // 4 MiB per call
    private AesCtrPrg _prg = null!;

    [GlobalSetup]
    public void Setup() => _prg = new AesCtrPrg(new byte[16]);

    [GlobalCleanup]
    public void Cleanup() => _prg.Dispose();

    /// <summary>Fills 4 MiB; throughput = 4 MiB / mean time.</summary>
    [Benchmark]
    public void Fill4MiB() => _prg.Fill(_buffer);
}
