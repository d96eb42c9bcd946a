using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// Runs <c>bench lt</c> / <c>bench eq</c> (processes and connections: <see cref="BenchHarness"/>). Inputs come from a
/// fixed public seed so party 0 can check the result, opened to it alone after the timed runs, against plaintext.
/// </summary>
internal static class BenchCompare
{
    internal enum Operation
    {
        LessThan,
        Equal,
    }

    internal sealed record Settings(Operation Operation, int Batch, int Iterations, string Mode, BenchHarness.Connection Connection);

    internal static Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Batch < 1 || s.Iterations < 1)
        {
            Console.Error.WriteLine("error: --batch and --iterations must be at least 1.");
            return Task.FromResult(2);
        }

        if (ParseMode(s.Mode) is null)
        {
            Console.Error.WriteLine($"error: --mode must be unsigned, signed or sign; got '{s.Mode}'.");
            return Task.FromResult(2);
        }

        string[] verb =
        [
            "bench", s.Operation == Operation.LessThan ? "lt" : "eq", "--batch", s.Batch.ToString(CultureInfo.InvariantCulture),
            "--iterations", s.Iterations.ToString(CultureInfo.InvariantCulture), .. (s.Operation == Operation.LessThan ? (string[])["--mode", s.Mode] : []),
        ];
        return BenchHarness.RunAsync(s.Connection, verb, abb => MeasureAsync(abb, s, cancellationToken), cancellationToken);
    }

    private static ComparisonMode? ParseMode(string mode) => mode.ToLowerInvariant() switch
    {
        "unsigned" => ComparisonMode.Unsigned,
        "signed" => ComparisonMode.Signed,
        "sign" => ComparisonMode.SignOfDifference,
        _ => null,
    };

    private static async Task<int> MeasureAsync(IArithmeticBlackBox abb, Settings s, CancellationToken cancellationToken)
    {
        // Public test inputs from a fixed seed: party 0 shares x, party 1 shares y (no communication). A quarter of
        // the pairs are equal so that both outcomes of eq occur.
        abb.Trace.RecordEntries = false; // totals only: a 100 K batch would otherwise log every message
        int m = s.Batch;
        uint[] x = new uint[m], y = new uint[m];
        using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
        {
            prg.Fill(x);
            prg.Fill(y);
        }

        for (int i = 0; i < m; i += 4)
        {
            y[i] = x[i];
        }

        ComparisonMode mode = ParseMode(s.Mode)!.Value;
        if (mode == ComparisonMode.SignOfDifference)
        {
            for (int i = 0; i < m; i++)
            {
                x[i] >>= 1;
                y[i] >>= 1;
            }
        }

        int me = abb.PartyIndex;
        ShareVector sx = await abb.InputAsync(0, me == 0 ? x : default, m, cancellationToken);
        ShareVector sy = await abb.InputAsync(1, me == 1 ? y : default, m, cancellationToken);
        ValueTask<BitShareVector> Run() => s.Operation == Operation.LessThan
            ? abb.LessThanAsync(sx, sy, mode, cancellationToken)
            : abb.EqualAsync(sx, sy, cancellationToken);

        BitShareVector result = await Run();
        result = await Run(); // warm-up: JIT tiers, TCP windows
        var seconds = new double[s.Iterations];
        long bytesBefore = abb.Trace.BytesSent, roundsBefore = abb.Trace.Rounds;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime, kernelBefore = Process.GetCurrentProcess().PrivilegedProcessorTime;
        for (int i = 0; i < s.Iterations; i++)
        {
            abb.Audit.Clear();
            long start = Stopwatch.GetTimestamp();
            result = await Run();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        BenchHarness.ReportCpu(abb.PartyIndex, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore, Process.GetCurrentProcess().PrivilegedProcessorTime - kernelBefore, s.Iterations);
        long bytesPerBatch = (abb.Trace.BytesSent - bytesBefore) / s.Iterations;
        long roundsPerBatch = (abb.Trace.Rounds - roundsBefore) / s.Iterations;
        ulong[]? opened = await abb.OpenBitsToAsync(result, 0, "bench: comparison results, opened to party 0 for the plaintext check", cancellationToken);
        if (me != 0)
        {
            return 0;
        }

        for (int i = 0; i < m; i++)
        {
            bool expected = s.Operation == Operation.Equal ? x[i] == y[i]
                : mode == ComparisonMode.Signed ? (int)x[i] < (int)y[i]
                : x[i] < y[i];
            if ((((opened![i >> 6] >> (i & 63)) & 1) == 1) != expected)
            {
                Console.Error.WriteLine($"error: result {i} differs from the plaintext comparison.");
                return 1;
            }
        }

        Console.WriteLine(BenchHarness.ResultLine(s.Operation == Operation.LessThan ? "lt" : "eq", m, seconds, bytesPerBatch, roundsPerBatch, abb));
        return 0;
    }
}
