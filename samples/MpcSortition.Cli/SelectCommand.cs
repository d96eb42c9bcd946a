using System.CommandLine;
using System.Globalization;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Cli;

/// <summary>
/// <c>select</c>: reads the Sortition Foundation's people and quota files, selects one panel with the reference greedy,
/// writes the selected rows and prints the quota table.
/// </summary>
internal static class SelectCommand
{
    internal static Command Create()
    {
        var options = new SelectionOptions();
        var outFile = new Option<string?>("--out") { Description = "Where to write the panel: the selected rows of the people file, all columns." };
        var secure = new Option<bool>("--secure")
        {
            Description = "Select on secret shares: three providers in this process over the in-memory transport. With --seed the tape is "
                + "public and the panel is the one selected without --secure (written in pool order); without --seed the providers draw "
                + "jointly random words that nobody knows.",
        };
        var command = new Command(
            "select",
            "Select one panel with the reference greedy and write it as CSV. Exit codes: 0 success, 2 bad input, 3 infeasible quotas or no panel found, 4 cannot write the output.");
        options.AddTo(command);
        command.Options.Add(outFile);
        command.Options.Add(secure);
        command.SetAction(parse => parse.GetValue(secure)
            ? RunSecure(options.Read(parse), parse.GetValue(outFile))
            : Run(options.Read(parse), parse.GetValue(outFile)));
        return command;
    }

    private static int Run(SelectionArguments args, string? outFile)
    {
        if (!TryLoad(args, outFile, out SortitionData? data, out SelectionProblem? problem, out int code))
        {
            return code;
        }

        SelectionResult result;
        try
        {
            result = PanelSelector.Select(problem, args.Strategy!, args.Seed, args.Attempts);
        }
        catch (InfeasibleQuotasException e)
        {
            return Cli.Fail(3, e.Message);
        }
        catch (SelectionFailedException e)
        {
            return Cli.Fail(3, e.Message);
        }

        if (!Cli.TryWrite(outFile, writer => SortitionCsv.WritePanel(writer, data, result.Panel)))
        {
            return 4;
        }

        Console.WriteLine($"Selected {problem.PanelSize} of {problem.Candidates.Count} with {args.Strategy!.Name} (attempt {result.Attempts}, seed {RandomTape.ToHex(args.Seed)}); panel written to {outFile}.");
        Cli.PrintQuotaTable(QuotaTable.Create(problem, result.Panel));
        return 0;
    }

    /// <summary>The checks and loading both runs start with; false with the exit code when something is wrong.</summary>
    private static bool TryLoad(
        SelectionArguments args,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? outFile,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SortitionData? data,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SelectionProblem? problem,
        out int code)
    {
        (data, problem) = (null, null);
        if (args.Error is not null)
        {
            code = Cli.Fail(2, args.Error);
            return false;
        }

        if (string.IsNullOrWhiteSpace(outFile))
        {
            code = Cli.Fail(2, "--out is required.");
            return false;
        }

        return Cli.TryLoad(args, out data, out problem, out code);
    }

    private static int RunSecure(SelectionArguments args, string? outFile)
    {
        if (!TryLoad(args, outFile, out SortitionData? data, out SelectionProblem? problem, out int code))
        {
            return code;
        }

        if (problem.Candidates.Count > SecureSelectionLayout.MaxCandidates)
        {
            return Cli.Fail(2, $"--secure supports at most {SecureSelectionLayout.MaxCandidates} people; the file has {problem.Candidates.Count}.");
        }

        SecureSelectionResult result;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The same public checks as the reference first (here the CLI holds the plaintext, so it can check the counts too).
            FeasibilityCheck.ThrowIfInfeasible(problem);
            result = InProcessSecureSelection.SelectAsync(
                problem,
                SecureStrategies.For(args.Strategy!),
                new InProcessSelectionOptions { Selection = new SecureSelectionOptions { MaxAttempts = args.Attempts, RevealComposition = true }, Seed = args.SeedGiven ? args.Seed : null }).GetAwaiter().GetResult();
        }
        catch (InfeasibleQuotasException e)
        {
            return Cli.Fail(3, e.Message);
        }
        catch (SecureSelectionFailedException e)
        {
            return Cli.Fail(3, e.Message);
        }

        clock.Stop();
        if (!Cli.TryWrite(outFile, writer => SortitionCsv.WritePanel(writer, data, result.Panel!)))
        {
            return 4;
        }

        string randomness = args.SeedGiven ? $"public tape of seed {RandomTape.ToHex(args.Seed)}" : "jointly random tape";
        Console.WriteLine($"Selected {problem.PanelSize} of {problem.Candidates.Count} on secret shares with {args.Strategy!.Name} ({randomness}; attempt {result.Attempts}); panel written to {outFile} in pool order.");
        SessionCost perAttempt = result.Cost.Per(result.Attempts);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Three providers in process: {clock.Elapsed.TotalSeconds:F2} s; per attempt and provider: {perAttempt.Rounds} rounds, {perAttempt.BytesSent / 1e6:F2} MB sent, {perAttempt.Multiplications} multiplications, {perAttempt.AndGates} AND gates."));
        Cli.PrintQuotaTable(QuotaTable.Create(problem.Features, result.Composition));
        return 0;
    }
}

/// <summary>The options <c>select</c> and <c>probabilities</c> share.</summary>
internal sealed class SelectionOptions
{
    private readonly Option<string?> _people = new("--people") { Description = "The people file (CSV: an id column and one column per feature)." };
    private readonly Option<string?> _quotas = new("--quotas") { Description = "The quota file (CSV: feature,value,min,max or category,name,min,max)." };
    private readonly Option<string?> _k = new("--k") { Description = "The panel size." };
    private readonly Option<string?> _seed = new("--seed") { Description = "Seed: 32 hex digits, or any text (hashed). Default: a fresh random seed, printed." };
    private readonly Option<string> _strategy = new("--strategy") { Description = "legacy (default, paper-era), legacy-clamped or two-phase.", DefaultValueFactory = _ => "legacy" };
    private readonly Option<string?> _addressColumns = new("--address-columns") { Description = "Comma-separated address columns; people at one address are never both selected." };
    private readonly Option<string?> _idColumn = new("--id-column") { Description = "The id column (default nationbuilder_id when present, else the 0-based row index)." };
    private readonly Option<string?> _attempts = new("--attempts") { Description = "Attempts per panel before giving up (default 100)." };

    internal void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _people, _quotas, _k, _seed, _strategy, _addressColumns, _idColumn, _attempts })
        {
            command.Options.Add(option);
        }
    }

    internal SelectionArguments Read(ParseResult parse)
    {
        string? people = parse.GetValue(_people);
        string? quotas = parse.GetValue(_quotas);
        string? kText = parse.GetValue(_k);
        string? attemptsText = parse.GetValue(_attempts);
        int? k = Cli.ParseInt(kText);
        string? seed = parse.GetValue(_seed);
        string strategyName = parse.GetValue(_strategy) ?? "legacy";
        int? attemptsValue = attemptsText is null ? PanelSelector.DefaultAttempts : Cli.ParseInt(attemptsText);
        int attempts = attemptsValue ?? 0;
        string? error = null;
        ISelectionStrategy? strategy = Cli.Strategy(strategyName);
        if (string.IsNullOrWhiteSpace(people))
        {
            error = "--people is required.";
        }
        else if (string.IsNullOrWhiteSpace(quotas))
        {
            error = "--quotas is required.";
        }
        else if (kText is null)
        {
            error = "--k is required.";
        }
        else if (k is null)
        {
            error = $"--k must be a whole number (got '{kText}').";
        }
        else if (k < 1)
        {
            error = $"--k must be at least 1 (got {k}).";
        }
        else if (strategy is null)
        {
            error = $"--strategy must be legacy, legacy-clamped or two-phase (got '{strategyName}').";
        }
        else if (attemptsValue is null)
        {
            error = $"--attempts must be a whole number (got '{attemptsText}').";
        }
        else if (attempts < 1)
        {
            error = $"--attempts must be at least 1 (got {attempts}).";
        }
        else if (seed is { Length: 0 })
        {
            error = "--seed must not be empty.";
        }

        string[] address = (parse.GetValue(_addressColumns) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new SelectionArguments
        {
            People = people ?? string.Empty,
            Quotas = quotas ?? string.Empty,
            PanelSize = k ?? 0,
            Seed = string.IsNullOrEmpty(seed) ? AesCtrPrg.CreateSeed() : RandomTape.SeedFromString(seed),
            SeedGiven = !string.IsNullOrEmpty(seed),
            Strategy = strategy,
            Attempts = attempts,
            CsvOptions = new SortitionCsvOptions { IdColumn = parse.GetValue(_idColumn), AddressColumns = address },
            Error = error,
        };
    }
}

internal sealed class SelectionArguments
{
    internal required string People { get; init; }

    internal required string Quotas { get; init; }

    internal required int PanelSize { get; init; }

    internal required byte[] Seed { get; init; }

    /// <summary>Whether --seed was given (otherwise <see cref="Seed"/> is fresh).</summary>
    internal bool SeedGiven { get; init; }

    internal required ISelectionStrategy? Strategy { get; init; }

    internal required int Attempts { get; init; }

    internal required SortitionCsvOptions CsvOptions { get; init; }

    internal required string? Error { get; init; }
}

/// <summary>Console helpers of the selection verbs: one-line errors, tables, output files.</summary>
internal static class Cli
{
    internal static int Fail(int code, string message)
    {
        // Messages may quote data (an id in a CSV problem): one line, no control characters.
        Console.Error.WriteLine($"error: {Clean(message.ReplaceLineEndings(" "))}");
        return code;
    }

    internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The reference strategy of a <c>--strategy</c> name, or null.</summary>
    internal static ISelectionStrategy? Strategy(string name) => name.Trim().ToLowerInvariant() switch
    {
        "legacy" => new LegacyGreedy(),
        "legacy-clamped" => new LegacyGreedy(clamped: true),
        "two-phase" => new TwoPhaseGreedy(),
        _ => null,
    };

    /// <summary>Data (ids, names) made safe for a terminal: every control character (escape sequences, line breaks,
    /// tabs) becomes '?', so a crafted id cannot rewrite the screen or fake output lines.</summary>
    internal static string Clean(string text) =>
        !text.Any(char.IsControl)
            ? text
            : string.Create(text.Length, text, (span, t) =>
            {
                for (int i = 0; i < t.Length; i++)
                {
                    span[i] = char.IsControl(t[i]) ? '?' : t[i];
                }
            });

    /// <summary>Prints the quota table (feature, value, min, max, selected); "–" for an unknown count.</summary>
    internal static void PrintQuotaTable(QuotaTable table)
    {
        var rows = new List<string[]> { new[] { "feature", "value", "min", "max", "selected" } };
        foreach (QuotaRow r in table.Rows)
        {
            rows.Add([r.Feature, r.Value, Int(r.Min), Int(r.Max), r.Selected is int s ? Int(s) : "–"]);
        }

        PrintTable(rows);
    }

    internal static int? ParseInt(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? value : null;

    internal static bool TryLoad(
        SelectionArguments args,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SortitionData? data,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SelectionProblem? problem,
        out int code)
    {
        data = null;
        problem = null;
        code = 0;
        try
        {
            data = SortitionCsv.Read(args.People, args.Quotas, args.CsvOptions);
        }
        catch (SelectionInputException e)
        {
            code = Fail(2, e.Message);
            return false;
        }

        try
        {
            problem = data.ToProblem(args.PanelSize);
        }
        catch (ArgumentException e)
        {
            code = Fail(2, e.Message);
            return false;
        }

        return true;
    }

    internal static bool TryWrite(string path, Action<TextWriter> write)
    {
        try
        {
            using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
            write(writer);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Fail(4, $"cannot write {path}: {e.Message}");
            return false;
        }
    }

    internal static void PrintTable(List<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = new int[columns];
        foreach (string[] row in rows)
        {
            for (int c = 0; c < columns; c++)
            {
                row[c] = Clean(row[c]);
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        foreach (string[] row in rows)
        {
            var line = new System.Text.StringBuilder();
            for (int c = 0; c < columns; c++)
            {
                // Text columns left-aligned, numbers right-aligned.
                line.Append(c < 2 ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]));
                line.Append(c + 1 < columns ? "  " : string.Empty);
            }

            Console.WriteLine(line.ToString().TrimEnd());
        }
    }
}
