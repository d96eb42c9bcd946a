using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MpcSortition.Selection;

namespace MpcSortition.Cli;

/// <summary>
/// <c>probabilities</c>: estimates every candidate's selection probability from m panels and prints
/// min / mean / max / Gini.
/// </summary>
internal static class ProbabilitiesCommand
{
    internal static Command Create()
    {
        var options = new SelectionOptions();
        var runs = new Option<string?>("--runs") { Description = "How many panels to draw (m)." };
        var outFile = new Option<string?>("--out") { Description = "Where to write id,probability." };
        var command = new Command(
            "probabilities",
            "Estimate each candidate's selection probability from m panels (deterministic per seed, parallel). Exit codes: 0 success, 2 bad input, 3 infeasible quotas, 4 cannot write the output.");
        options.AddTo(command);
        command.Options.Add(runs);
        command.Options.Add(outFile);
        command.SetAction((parse, token) => Task.FromResult(Run(options.Read(parse), parse.GetValue(runs), parse.GetValue(outFile), token)));
        return command;
    }

    private static int Run(SelectionArguments args, string? runsText, string? outFile, CancellationToken token)
    {
        if (args.Error is not null)
        {
            return Cli.Fail(2, args.Error);
        }

        if (runsText is null)
        {
            return Cli.Fail(2, "--runs is required.");
        }

        int? runs = Cli.ParseInt(runsText);
        if (runs is null)
        {
            return Cli.Fail(2, $"--runs must be a whole number (got '{runsText}').");
        }

        if (runs < 1)
        {
            return Cli.Fail(2, $"--runs must be at least 1 (got {runs}).");
        }

        if (string.IsNullOrWhiteSpace(outFile))
        {
            return Cli.Fail(2, "--out is required.");
        }

        if (!Cli.TryLoad(args, out _, out SelectionProblem? problem, out int code))
        {
            return code;
        }

        var progress = new ConsoleProgress(runs.Value);
        var clock = Stopwatch.StartNew();
        SelectionProbabilities result;
        try
        {
            result = SelectionProbabilities.Estimate(problem, args.Strategy!, args.Seed, runs.Value, args.Attempts, progress: progress, cancellationToken: token);
        }
        catch (InfeasibleQuotasException e)
        {
            return Cli.Fail(3, e.Message);
        }
        catch (OperationCanceledException)
        {
            progress.Finish();
            return Cli.Fail(130, "cancelled.");
        }

        progress.Finish();
        if (!Cli.TryWrite(outFile, writer => SortitionCsv.WriteProbabilities(writer, result)))
        {
            return 4;
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{runs} panels of {problem.PanelSize} from {problem.Candidates.Count} with {args.Strategy!.Name} (seed {RandomTape.ToHex(args.Seed)}) in {clock.Elapsed.TotalSeconds:F1} s; written to {outFile}."));
        if (result.FailedRuns > 0)
        {
            Console.WriteLine(string.Create(inv, $"{result.FailedRuns} panels failed all {args.Attempts} attempts and are not counted."));
        }

        int lowest = Array.IndexOf(result.Probabilities.ToArray(), result.Min);
        Console.WriteLine(string.Create(inv, $"min   {result.Min,8:P3}  (id {Cli.Clean(problem.Candidates[lowest].Id)})"));
        Console.WriteLine(string.Create(inv, $"mean  {result.Mean,8:P3}"));
        Console.WriteLine(string.Create(inv, $"max   {result.Max,8:P3}"));
        Console.WriteLine(string.Create(inv, $"Gini  {result.Gini,8:P3}"));
        return 0;
    }

    /// <summary>A plain progress line on stderr: rewritten in place on a terminal, every 10 % when redirected.</summary>
    private sealed class ConsoleProgress(int total) : IProgress<int>
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastTick = -1;
        private int _lastDecile = -1;
        private bool _wrote;

        public void Report(int value)
        {
            lock (_gate)
            {
                bool done = value >= total;
                if (Console.IsErrorRedirected)
                {
                    int decile = (int)(10L * value / total);
                    if (decile > _lastDecile && total >= 1000)
                    {
                        _lastDecile = decile;
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"panels {value}/{total} ({100L * value / total}%)"));
                    }

                    return;
                }

                long tick = _clock.ElapsedMilliseconds / 200;
                if (tick == _lastTick && !done)
                {
                    return;
                }

                _lastTick = tick;
                _wrote = true;
                double rate = value / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
                Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\rpanels {value}/{total} ({100L * value / total}%), {rate:F0}/s   "));
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_wrote)
                {
                    Console.Error.WriteLine();
                }
            }
        }
    }
}
