using BenchmarkDotNet.Attributes;
using MpcSortition.Core;

namespace MpcSortition.Benchmarks;

/// <summary>AES-128-CTR PRG throughput: bytes of keystream per second on one core, on the AES-NI path (the round
/// instructions in registers, eight blocks at a time) and on the platform path (OpenSSL's ECB over counter blocks written
/// to memory, the only path before issue 14's fourth item and the fallback without AES-NI). Same keystream.</summary>
[MemoryDiagnoser]
public class PrgBenchmarks
{
    private readonly uint[] _buffer = new uint[1 << 20]; // 4 MiB per call
    private AesCtrPrg _prg = null!;

    /// <summary>True: the AES-NI path (where the CPU has it); false: the platform cipher.</summary>
    [Params(true, false)]
    public bool AesNi { get; set; }

    [GlobalSetup]
    public void Setup() => _prg = new AesCtrPrg(new byte[16], AesNi);

    [GlobalCleanup]
    public void Cleanup() => _prg.Dispose();

    /// <summary>Fills 4 MiB; throughput = 4 MiB / mean time.</summary>
    [Benchmark]
    public void Fill4MiB() => _prg.Fill(_buffer);
}
