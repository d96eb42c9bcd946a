using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using MpcSortition.Selection;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Cli;

/// <summary>
/// <c>quickstart</c>: the whole secure selection on one machine in one command. It writes development certificates,
/// deals a pool (by default the embedded 150-person fixture with k = 22) into one share file per provider, starts three
/// provider processes (<c>node</c>) on 127.0.0.1, waits for them while showing their progress, and prints the panel and
/// the quota table that provider 0 (the analyser's) received. Every file it writes is under one output directory.
/// </summary>
internal static class QuickstartCommand
{
    internal static Command Create()
    {
        var outDir = new Option<string?>("--out") { Description = "Output directory (default: a new temporary directory, printed)." };
        var seed = new Option<string?>("--seed") { Description = "TESTING ONLY: use the public tape of this seed (committed in round.json before the draw); the panel then equals the reference's for this seed. Default: joint randomness." };
        var strategy = new Option<string>("--strategy") { Description = "legacy (default), legacy-clamped or two-phase.", DefaultValueFactory = _ => "legacy" };
        var attempts = new Option<int>("--attempts") { Description = "Attempts before giving up.", DefaultValueFactory = _ => PanelSelector.DefaultAttempts };
        var timeout = new Option<double>("--timeout") { Description = "Seconds that set-up, or one send or receive, may take before a provider fails.", DefaultValueFactory = _ => 60 };
        var people = new Option<string?>("--people") { Description = "Another people file instead of the embedded 150-person pool (with --quotas and --k)." };
        var quotas = new Option<string?>("--quotas") { Description = "Its quota file." };
        var k = new Option<int?>("--k") { Description = "Its panel size." };
        var addressColumns = new Option<string?>("--address-columns") { Description = "Its address columns, comma-separated (default for the embedded pool: primary_address1,primary_zip)." };
        var idColumn = new Option<string?>("--id-column") { Description = "Its id column." };
        var engine = new Option<string>("--engine") { Description = "The black box of the three providers: replicated (default; measured faster) or beaver.", DefaultValueFactory = _ => "replicated" };
        var parallelAttempts = new Option<string>("--parallel-attempts")
        {
            Description = "Attempts per batched computation: auto (default) or a whole number ≥ 1 (1 = one after another); passed to the three providers.",
            DefaultValueFactory = _ => "auto",
        };
        var command = new Command("quickstart", "Run a complete secure selection on this machine: certificates, dealing, three provider processes over TLS on 127.0.0.1, panel and report for the analyser.")
        {
            outDir, seed, strategy, attempts, timeout, people, quotas, k, addressColumns, idColumn, engine, parallelAttempts,
        };
        var network = new NetworkSimulation();
        network.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            new Settings(parse.GetValue(outDir), parse.GetValue(seed), parse.GetValue(strategy)!, parse.GetValue(attempts), parse.GetValue(timeout),
                parse.GetValue(people), parse.GetValue(quotas), parse.GetValue(k), parse.GetValue(addressColumns), parse.GetValue(idColumn))
            {
                Engine = parse.GetValue(engine)!,
                ParallelAttempts = parse.GetValue(parallelAttempts)!,
                Network = network.Read(parse),
            },
            ct));
        return command;
    }

    internal sealed record Settings(string? Out, string? Seed, string Strategy, int Attempts, double Timeout, string? People, string? Quotas, int? K, string? AddressColumns, string? IdColumn)
    {
        /// <summary>The providers' black box (beaver or replicated).</summary>
        public string Engine { get; init; } = "replicated";

        /// <summary>Attempts per batch: "auto" or a whole number ≥ 1.</summary>
        public string ParallelAttempts { get; init; } = "auto";

        /// <summary>SIMULATION: the raw --latency and --bandwidth values, passed on to the providers.</summary>
        internal (string? Latency, string? Bandwidth) Network { get; init; }
    }

    private static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Attempts < 1)
        {
            return Cli.Fail(2, "--attempts must be at least 1.");
        }

        if (ProviderNode.ParseParallelAttempts(s.ParallelAttempts) is null)
        {
            return Cli.Fail(2, $"--parallel-attempts must be auto or a whole number of at least 1 (got '{Cli.Clean(s.ParallelAttempts)}').");
        }

        MpcSortition.Protocols.NetworkConditions? network;
        try
        {
            network = NetworkSimulation.Parse(s.Network.Latency, s.Network.Bandwidth);
        }
        catch (FormatException e)
        {
            return Cli.Fail(2, e.Message);
        }

        if (ProviderNode.CheckTimeout(s.Timeout) is string timeoutError)
        {
            return Cli.Fail(2, timeoutError);
        }

        if (Cli.Strategy(s.Strategy) is null)
        {
            return Cli.Fail(2, $"--strategy must be legacy, legacy-clamped or two-phase (got '{Cli.Clean(s.Strategy)}').");
        }

        if (!Protocols.BlackBoxEngines.TryParse(s.Engine, out _))
        {
            return Cli.Fail(2, $"--engine must be beaver or replicated (got '{Cli.Clean(s.Engine)}').");
        }

        if (s.People is not null && (s.Quotas is null || s.K is null))
        {
            return Cli.Fail(2, "--people needs --quotas and --k.");
        }

        var clock = Stopwatch.StartNew();
        string dir;
        try
        {
            dir = s.Out is null ? Directory.CreateTempSubdirectory("mpcsortition-quickstart-").FullName : Directory.CreateDirectory(s.Out).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Cli.Fail(4, $"cannot create the output directory: {e.Message}");
        }

        Console.WriteLine($"Output directory: {dir}");

        // 1. The pool: the contributors' plaintext, which only they (here: this demo) hold.
        string peoplePath = s.People ?? Path.Combine(dir, "input", "candidates.csv");
        string quotasPath = s.Quotas ?? Path.Combine(dir, "input", "features.csv");
        string address = s.AddressColumns ?? (s.People is null ? "primary_address1,primary_zip" : string.Empty);
        int panelSize = s.K ?? 22;
        if (s.People is null)
        {
            Directory.CreateDirectory(Path.Combine(dir, "input"));
            CopyResource("quickstart_candidates.csv", peoplePath);
            CopyResource("quickstart_features.csv", quotasPath);
        }

        string[] addressColumns = address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        SortitionData data;
        SelectionProblem problem;
        try
        {
            data = SortitionCsv.Read(peoplePath, quotasPath, new SortitionCsvOptions { IdColumn = s.IdColumn, AddressColumns = addressColumns });
            problem = data.ToProblem(panelSize);
        }
        catch (Exception e) when (e is SelectionInputException or ArgumentException)
        {
            return Cli.Fail(2, e.Message);
        }

        Console.WriteLine(Step(clock, $"pool: {problem.Candidates.Count} people, {problem.Features.Count} features / {problem.ValueCount} values, k = {panelSize} ({(s.People is null ? "the embedded Sortition Foundation fixture, " + peoplePath : peoplePath)})"));

        // 2. Development certificates, one per provider.
        string certs = Path.Combine(dir, "certs");
        // A fresh password for this run's .pfx files; the children get it in their environment, never on the command line.
        string password = PfxPassword.CreateRandom();
        LocalParties.WriteCertificates(certs, TimeSpan.FromDays(1), password, log: null);
        Console.WriteLine(Step(clock, $"certificates: {certs} (development only; party-<i>.pfx is provider i's private key, encrypted with a password that only this run knew)"));

        // 3. Deal: one share file per provider plus the public round file.
        string Provider(int p) => Path.Combine(dir, $"provider-{p}");
        RoundDefinition round;
        try
        {
            round = DealCommand.Deal(problem, addressColumns.Length > 0, s.Seed is null ? null : RandomTape.SeedFromString(s.Seed), Provider, Provider);
        }
        catch (ArgumentException e)
        {
            return Cli.Fail(2, e.Message);
        }

        Console.WriteLine(Step(clock, $"dealt round {round.RoundId[..8]}…: {Provider(0)}, {Provider(1)}, {Provider(2)} each hold round.json and their own party-<i>.shares"));

        // 4. Three provider processes on 127.0.0.1.
        string endpoints = LocalParties.FreeLoopbackEndpoints();
        string tape = s.Seed is null ? "joint randomness (no provider knows the random words)" : $"PUBLIC TEST TAPE of seed '{Cli.Clean(s.Seed)}' (testing only)";
        Console.WriteLine(Step(clock, $"starting providers 0, 1, 2 on {endpoints}; strategy {s.Strategy}, {tape}"));
        var children = new List<Process>();
        var doneLines = new string?[LocalParties.Parties];
        int[] codes = new int[LocalParties.Parties];
        var selectionClock = Stopwatch.StartNew();
        try
        {
            var readers = new List<Task>();
            for (int p = 0; p < LocalParties.Parties; p++)
            {
                Process child = LocalParties.StartSelf([.. NodeCommand.Arguments(p, endpoints, certs, Provider(p), s.Strategy, s.Attempts, s.Timeout, revealComposition: true, s.Seed, s.Engine.Trim().ToLowerInvariant(), s.ParallelAttempts.Trim().ToLowerInvariant()), .. NetworkSimulation.Arguments(network)], redirect: true, password);
                children.Add(child);
                int party = p;
                readers.Add(Pump(child.StandardError, line =>
                {
                    if (line.Contains(": done:", StringComparison.Ordinal))
                    {
                        doneLines[party] = line;
                    }

                    Console.WriteLine($"  [{selectionClock.Elapsed.TotalSeconds,6:F1} s] {line}");
                }));
                readers.Add(Pump(child.StandardOutput, line => Console.WriteLine($"  [{selectionClock.Elapsed.TotalSeconds,6:F1} s] {line}")));
            }

            Task<int>[] exits = children.Select(c => WaitAsync(c, cancellationToken)).ToArray();
            Task all = Task.WhenAll(exits);
            while (!all.IsCompleted)
            {
                Task first = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
                if (first != all)
                {
                    Console.WriteLine($"  [{selectionClock.Elapsed.TotalSeconds,6:F1} s] … still selecting");
                }

                // A provider that failed makes the others fail within the timeout; never wait longer than that.
                if (exits.Any(e => e.IsCompletedSuccessfully && e.Result != 0))
                {
                    Task bound = Task.Delay(TimeSpan.FromSeconds(s.Timeout + 10), cancellationToken);
                    if (await Task.WhenAny(all, bound) == bound)
                    {
                        Console.Error.WriteLine("error: a provider did not stop after another failed; stopping it.");
                        LocalParties.KillAll(children.Where(c => !c.HasExited).ToList());
                    }

                    break;
                }
            }

            await Task.WhenAll(exits.Where(e => e.IsCompleted));
            try
            {
                await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (TimeoutException)
            {
                // The processes have exited; a log line still in flight is not worth waiting for.
            }
            for (int p = 0; p < codes.Length; p++)
            {
                codes[p] = exits[p].IsCompletedSuccessfully ? exits[p].Result : 1;
            }
        }
        finally
        {
            LocalParties.KillAll(children);
        }

        selectionClock.Stop();
        if (codes.Any(c => c != 0))
        {
            int code = codes.First(c => c != 0);
            Console.Error.WriteLine($"error: the selection failed (provider exit codes {string.Join(", ", codes)}); all provider processes have stopped. Files are in {dir}.");
            return code;
        }

        Console.WriteLine(Step(clock, string.Create(CultureInfo.InvariantCulture, $"all three providers finished and stopped: {selectionClock.Elapsed.TotalSeconds:F2} s for start-up, connection and selection")));

        // 5. What the analyser received.
        string analyser = Provider(0);
        List<string[]> panelRows = ReadCsv(Path.Combine(analyser, AnalyserReport.PanelFile));
        List<string[]> quotaRows = ReadCsv(Path.Combine(analyser, AnalyserReport.QuotaFile));
        Console.WriteLine();
        Console.WriteLine($"Panel received by the analyser (provider 0), {panelRows.Count - 1} ids in pool order:");
        Console.WriteLine("  " + string.Join(", ", panelRows.Skip(1).Select(r => Cli.Clean(r[0]))));
        Console.WriteLine();
        Console.WriteLine("Quotas (the composition, opened to the analyser only because quickstart runs the nodes with --reveal-composition):");
        Cli.PrintTable(quotaRows);
        Console.WriteLine();
        foreach (string? line in doneLines)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        Console.WriteLine($"Output went to {dir}:");
        Console.WriteLine($"  {Path.Combine(analyser, AnalyserReport.HtmlFile)}  the analyser's report (open in a browser)");
        Console.WriteLine($"  {Path.Combine(analyser, AnalyserReport.PanelFile)}, {Path.Combine(analyser, AnalyserReport.QuotaFile)}");
        Console.WriteLine($"  {certs}  development certificates; provider-<i>/  each provider's round file and shares");
        return 0;
    }

    /// <summary>Reads a CSV file this program wrote (quoted fields may hold commas and line breaks).</summary>
    private static List<string[]> ReadCsv(string path)
    {
        var rows = new List<string[]>();
        using var reader = new StreamReader(path, new System.Text.UTF8Encoding(false));
        using CsvHelper.CsvReader csv = CsvHelper.CsvReader.Create(reader, CsvHelper.CsvReaderOptions.Default with { Separator = ',', HasHeader = false, SkipEmptyLines = true }, leaveOpen: false);
        while (csv.Read())
        {
            var fields = new string[csv.FieldCount];
            for (int i = 0; i < fields.Length; i++)
            {
                fields[i] = csv.GetString(i);
            }

            rows.Add(fields);
        }

        return rows;
    }

    private static string Step(Stopwatch clock, string text) => $"[{clock.Elapsed.TotalSeconds,6:F1} s] {text}";

    private static void CopyResource(string name, string path)
    {
        using Stream resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded file {name} is missing from this build.");
        using FileStream file = File.Create(path);
        resource.CopyTo(file);
    }

    private static async Task Pump(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is string line)
        {
            onLine(line);
        }
    }

    private static async Task<int> WaitAsync(Process process, CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }
}
