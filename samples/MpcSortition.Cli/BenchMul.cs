using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics.Tensors;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// <c>bench mul</c> (processes and connections: <see cref="BenchHarness"/>). The inputs come from a fixed public seed,
/// so party 0 can check the opened product against plaintext.
/// </summary>
internal static class BenchMul
{
    internal sealed record Settings(int Batch, int Iterations, int Warmup, BenchHarness.Connection Connection, int Length = 1);

    internal static Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Batch < 1 || s.Iterations < 1 || s.Warmup < 0 || s.Length < 1 || (long)s.Batch * s.Length > SemiHonestBlackBox.MaxBatch)
        {
            Console.Error.WriteLine($"error: --batch, --iterations and --length must be at least 1, --warmup at least 0, and batch × length at most {SemiHonestBlackBox.MaxBatch}.");
            return Task.FromResult(2);
        }

        string[] verb =
        [
            "bench", "mul", "--batch", s.Batch.ToString(CultureInfo.InvariantCulture), "--iterations", s.Iterations.ToString(CultureInfo.InvariantCulture),
            "--warmup", s.Warmup.ToString(CultureInfo.InvariantCulture), "--length", s.Length.ToString(CultureInfo.InvariantCulture),
        ];
        return BenchHarness.RunAsync(s.Connection, verb, abb => MeasureAsync(abb, s, cancellationToken), cancellationToken);
    }

    internal static int WriteCertificates(string directory)
    {
        LocalParties.WriteCertificates(directory, TimeSpan.FromDays(30), password: null, Console.Out);
        return 0;
    }

    private static async Task<int> MeasureAsync(IArithmeticBlackBox abb, Settings s, CancellationToken cancellationToken)
    {
        // Public test inputs from a fixed seed: party 0 shares x, party 1 shares y. With --length L > 1, x and y hold
        // batch rows of L values and the operation is the batch of inner products.
        int L = s.Length;
        int n = s.Batch * L;
        abb.Trace.RecordEntries = false;
        uint[] x = new uint[n], y = new uint[n];
        using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
        {
            prg.Fill(x);
            prg.Fill(y);
        }

        ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, n, cancellationToken);
        ShareVector sy = await abb.InputAsync(1, abb.PartyIndex == 1 ? y : default, n, cancellationToken);
        ValueTask<ShareVector> Run() => L == 1 ? abb.MultiplyAsync(sx, sy, cancellationToken) : abb.InnerProductAsync(sx, sy, L, cancellationToken);
        ShareVector product = sx;
        for (int w = 0; w < s.Warmup; w++)
        {
            product = await Run(); // warm-up: JIT tiers, TCP windows
        }

        var seconds = new double[s.Iterations];
        long bytesBefore = abb.Trace.BytesSent, roundsBefore = abb.Trace.Rounds;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime, kernelBefore = Process.GetCurrentProcess().PrivilegedProcessorTime;
        for (int i = 0; i < s.Iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            product = await Run();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        BenchHarness.ReportCpu(abb.PartyIndex, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore, Process.GetCurrentProcess().PrivilegedProcessorTime - kernelBefore, s.Iterations);
        long bytesPerBatch = (abb.Trace.BytesSent - bytesBefore) / s.Iterations;
        long roundsPerBatch = (abb.Trace.Rounds - roundsBefore) / s.Iterations;
        uint[]? opened = await abb.OpenToAsync(product, 0, "bench: product, opened to party 0 for the plaintext check", cancellationToken);
        if (abb.PartyIndex != 0)
        {
            return 0;
        }

        var products = new uint[n];
        TensorPrimitives.Multiply(x, y, products);
        var expected = new uint[s.Batch];
        for (int r = 0; r < s.Batch; r++)
        {
            expected[r] = TensorPrimitives.Sum<uint>(products.AsSpan(r * L, L));
        }

        if (!opened!.AsSpan().SequenceEqual(expected))
        {
            Console.Error.WriteLine("error: the opened product differs from the plaintext product.");
            return 1;
        }

        Console.WriteLine(L == 1
            ? BenchHarness.ResultLine("mul", s.Batch, seconds, bytesPerBatch, roundsPerBatch, abb)
            : BenchHarness.ResultLine("ip", s.Batch, seconds, bytesPerBatch, roundsPerBatch, abb, string.Create(CultureInfo.InvariantCulture, $" length={L}")));
        return 0;
    }
}
