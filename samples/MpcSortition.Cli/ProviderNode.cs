using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Cli;

/// <summary>
/// The <c>node</c> host: checks the configuration, loads the round and share files, connects to the peers over
/// mutually authenticated TLS and hands over to the library's <see cref="ProviderRun"/>; at provider 0 (the analyser's)
/// it writes the panel and the report. Progress and failures go to standard error, prefixed with the party.
/// </summary>
internal static class ProviderNode
{
    /// <summary>The largest <c>--timeout</c> accepted (one day).</summary>
    internal const double MaxTimeoutSeconds = 86_400;

    /// <summary>Null when <paramref name="seconds"/> is a usable timeout, else the message.</summary>
    /// <summary>Parses --parallel-attempts: "auto" (or empty) is 0, a whole number ≥ 1 itself; anything else null.</summary>
    internal static int? ParseParallelAttempts(string? text)
    {
        string t = (text ?? string.Empty).Trim();
        if (t.Length == 0 || t.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m >= 1 ? m : null;
    }

    internal static string? CheckTimeout(double seconds) =>
        seconds > 0 && seconds <= MaxTimeoutSeconds
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"--timeout must be a number of seconds greater than 0 and at most {MaxTimeoutSeconds} (got {seconds}).");

    /// <summary>The evidence file every node writes after a run (public: signed transcripts, opened contributions; at the
    /// analyser also the panel and the salt of its commitment).</summary>
    internal const string EvidenceFileName = "evidence.json";

    /// <summary>The run log of a round in the node's output directory.</summary>
    internal static string RunLogFileName(string roundId) => $"run-log-{roundId}.jsonl";

    internal static async Task<int> RunAsync(NodeConfig c, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (c.Party is not (>= 0 and < ProviderRun.Parties))
        {
            return Cli.Fail(2, "--party must be 0, 1 or 2.");
        }

        int me = c.Party.Value;
        if (c.Endpoints is not { Length: ProviderRun.Parties } || c.PeerCerts is not { Length: ProviderRun.Parties } || c.Cert is null)
        {
            return Cli.Fail(2, $"party {me}: give three --endpoints, three --peer-certs and --cert.");
        }

        if (c.Data is null && (c.Round is null || c.Shares is null))
        {
            return Cli.Fail(2, $"party {me}: give --data (with round.json and party-{me}.shares) or both --round and --shares.");
        }

        int attempts = c.Attempts ?? PanelSelector.DefaultAttempts;
        double timeoutSeconds = c.Timeout ?? 60;
        string strategyName = (c.Strategy ?? "legacy").Trim().ToLowerInvariant();
        ISelectionStrategy? reference = Cli.Strategy(strategyName);
        if (reference is null || attempts < 1)
        {
            return Cli.Fail(2, $"party {me}: --strategy must be legacy, legacy-clamped or two-phase and --attempts at least 1.");
        }

        string parallelText = c.ParallelAttempts is JsonElement { ValueKind: JsonValueKind.Number } number ? number.GetRawText() : c.ParallelAttempts is JsonElement { ValueKind: JsonValueKind.String } text ? text.GetString() ?? string.Empty : c.ParallelAttempts is null ? "auto" : c.ParallelAttempts.Value.GetRawText();
        if (ParseParallelAttempts(parallelText) is not int parallelAttempts)
        {
            return Cli.Fail(2, $"party {me}: --parallel-attempts (parallelAttempts) must be auto or a whole number of at least 1 (got '{Cli.Clean(parallelText)}').");
        }

        if (!BlackBoxEngines.TryParse(c.Engine ?? "replicated", out BlackBoxEngine engine))
        {
            return Cli.Fail(2, $"party {me}: --engine must be beaver or replicated (got '{Cli.Clean(c.Engine ?? string.Empty)}').");
        }

        if (CheckTimeout(timeoutSeconds) is string timeoutError)
        {
            return Cli.Fail(2, $"party {me}: {timeoutError}");
        }

        TimeSpan timeout = TimeSpan.FromSeconds(timeoutSeconds);
        NetworkConditions? network;
        try
        {
            network = NetworkSimulation.Parse(c.Latency, c.Bandwidth);
        }
        catch (FormatException e)
        {
            return Cli.Fail(2, $"party {me}: {e.Message}");
        }
        string roundPath = c.Round ?? Path.Combine(c.Data!, DealCommand.RoundFileName);
        string sharesPath = c.Shares ?? Path.Combine(c.Data!, DealCommand.SharesFileName(me));
        string outDir = c.Out ?? c.Data ?? Directory.GetCurrentDirectory();

        RoundDefinition round;
        uint[] shares;
        byte[]? publicSeed = c.PublicSeed is null ? null : RandomTape.SeedFromString(c.PublicSeed);
        string file = roundPath;
        try
        {
            using (FileStream stream = File.OpenRead(roundPath))
            {
                round = RoundDefinition.Load(stream);
            }

            file = sharesPath;
            using (FileStream stream = File.OpenRead(sharesPath))
            {
                shares = ShareFile.Read(stream, round, me);
            }

            file = roundPath;
            if (publicSeed is not null)
            {
                round.VerifySeed(publicSeed);
            }
        }
        catch (ProviderFileException e)
        {
            return Cli.Fail(2, $"party {me}: {file}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Cli.Fail(2, $"party {me}: cannot read {file}: {e.Message}");
        }

        Console.Error.WriteLine($"party {me}: round {round.RoundId[..8]}…, n = {round.CandidateIds.Count}, V = {round.ValueCount}, k = {round.PanelSize}; shares checked");

        // One round, one draw: the run log of this round, kept next to the outputs (owner-only).
        RunLog log;
        string logPath = Path.Combine(outDir, RunLogFileName(round.RoundId));
        try
        {
            OwnerOnlyFile.CreateDirectory(outDir);
            log = RunLog.Open(logPath, round);
            log.BeginRun(c.NewRun ?? false);
        }
        catch (VerificationException e)
        {
            return Cli.Fail(5, $"party {me}: {logPath}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Cli.Fail(2, $"party {me}: cannot open the run log {logPath}: {e.Message}");
        }

        TimeSpan loaded = clock.Elapsed;

        string? password = PfxPassword.Get($"for {c.Cert}", out string? passwordError);
        if (password is null)
        {
            return Cli.Fail(2, $"party {me}: {passwordError}");
        }

        X509Certificate2? own = null;
        X509Certificate2[] pinned = [];
        try
        {
            EndPoint[] endpoints;
            IPEndPoint? listenOn = null;
            try
            {
                endpoints = c.Endpoints.Select(LocalParties.ParseEndPoint).ToArray();
                if (c.Listen is not null)
                {
                    listenOn = LocalParties.ParseEndPoint(c.Listen) as IPEndPoint ?? throw new ArgumentException($"--listen must be an IP address and port, not '{c.Listen}'.");
                }

                own = PfxPassword.Load(c.Cert, password);
                pinned = c.PeerCerts.Select(X509CertificateLoader.LoadCertificateFromFile).ToArray();
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(2, $"party {me}: {e.Message}");
            }

            var transportOptions = new TlsTransportOptions
            {
                PartyIndex = me,
                Endpoints = endpoints,
                ListenEndPoint = listenOn,
                Certificate = own,
                PeerCertificates = pinned,
                ConnectTimeout = timeout,
                OperationTimeout = timeout,
                ConnectionRefused = refused => Console.Error.WriteLine($"party {me}: refused a connection that is not a peer: {refused}"),
            };
            ITransport transport = NetworkSimulation.Wrap(await TlsTransport.ConnectAsync(transportOptions, cancellationToken), network);
            if (NetworkSimulation.Describe(network) is string simulated)
            {
                Console.Error.WriteLine($"party {me}: {simulated}");
            }

            TimeSpan connected = clock.Elapsed;
            int batch = SecureSelector.ResolveParallelAttempts(round.Layout, parallelAttempts, attempts);
            var options = new ProviderRunOptions
            {
                Strategy = SecureStrategies.For(reference),
                MaxAttempts = attempts,
                RevealComposition = c.RevealComposition ?? false,
                PublicSeed = publicSeed,
                RunLog = log,
                NewRun = c.NewRun ?? false,
                SigningCertificate = own,
                Engine = engine,
                ParallelAttempts = parallelAttempts,
                FailureEvidence = failed =>
                {
                    // No panel after every attempt: the three signed transcripts of the failed run, for `audit`.
                    using FileStream evidence = File.Create(Path.Combine(outDir, EvidenceFileName));
                    failed.Save(evidence);
                    Console.Error.WriteLine($"party {me}: no panel; the three providers' signed transcripts of this failed run are in {Path.Combine(outDir, EvidenceFileName)}");
                },
                Progress = new Reporter(p =>
                {
                    if (p.Stage == ProviderStage.Agreed)
                    {
                        connected = clock.Elapsed;
                        Console.Error.WriteLine($"party {me}: connected to both peers over mutually authenticated TLS; round and settings agreed ({connected.TotalSeconds:F1} s); {(batch == 1 ? "one attempt at a time" : $"{batch} attempts per batched computation")}");
                    }
                    else if (batch == 1)
                    {
                        Console.Error.WriteLine($"party {me}: attempt {p.Attempt} of at most {attempts} ({clock.Elapsed.TotalSeconds:F1} s)");
                    }
                    else if ((p.Attempt - 1) % batch == 0)
                    {
                        int last = Math.Min(p.Attempt + batch - 1, attempts);
                        Console.Error.WriteLine($"party {me}: attempts {p.Attempt}–{last} of at most {attempts}, one batched computation ({clock.Elapsed.TotalSeconds:F1} s)");
                    }
                }),
            };
            ProviderRunResult result = await ProviderRun.RunAsync(transport, round, shares, options, cancellationToken);
            Array.Clear(shares);
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"party {me}: done: attempt {result.Attempts}, selection {result.SelectionTime.TotalSeconds:F2} s, {result.Cost.Rounds} rounds, {result.Cost.BytesSent} bytes sent, {result.Cost.Multiplications} multiplications, {result.Cost.AndGates} AND gates, {EngineName(engine)} engine"));

            // The evidence of this run: the three signed transcripts (and at the analyser the panel's opening), for `audit`.
            string evidencePath = Path.Combine(outDir, EvidenceFileName);
            using (FileStream evidence = File.Create(evidencePath))
            {
                RunEvidence.From(result).Save(evidence);
            }

            Console.Error.WriteLine($"party {me}: {Cli.Clean(result.RunHistory)}; signed transcripts of all three providers in {evidencePath}");
            if (result.TapeContribution is ReadOnlyMemory<byte> contribution)
            {
                // Private to this provider, like its share file: kept so that the three providers together can later
                // open their commitments and reproduce the draw on their shares.
                OwnerOnlyFile.Write(Path.Combine(outDir, $"tape-contribution-{me}.hex"), s => s.Write(Encoding.ASCII.GetBytes(Convert.ToHexString(contribution.Span) + "\n")));
            }

            if (result.HasPanel)
            {
                var report = new AnalyserReport
                {
                    Result = result,
                    Strategy = strategyName,
                    MaxAttempts = attempts,
                    Evidence = RunEvidence.From(result),
                    Engine = EngineName(engine),
                    Timings = [("check round and share files", loaded), ("connect (TLS, session digest, seed agreement)", connected - loaded), ("secure selection (all attempts)", result.SelectionTime)],
                };
                report.Write(outDir);
                Console.Error.WriteLine($"party {me}: panel of {round.PanelSize} written to {Path.Combine(outDir, AnalyserReport.PanelFile)}, report {Path.Combine(outDir, AnalyserReport.HtmlFile)}{(result.Quotas.HasSelected ? string.Empty : " (composition not opened)")}");
            }

            return 0;
        }
        catch (PeerException e)
        {
            return Cli.Fail(1, e.Message);
        }
        catch (ProviderMismatchException e)
        {
            return Cli.Fail(1, e.Message);
        }
        catch (InfeasibleQuotasException e)
        {
            return Cli.Fail(3, $"party {me}: {e.Message}");
        }
        catch (SecureSelectionFailedException e)
        {
            return Cli.Fail(3, $"party {me}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException
            or System.Security.Authentication.AuthenticationException or TimeoutException)
        {
            return Cli.Fail(1, $"party {me}: {e.Message}");
        }
        catch (VerificationException e) when (e.Problem == VerificationProblem.RoundAlreadyRun)
        {
            return Cli.Fail(5, $"party {me}: {e.Message}");
        }
        catch (VerificationException e)
        {
            // A peer opened a contribution that does not match its commitment, or sent a malformed transcript.
            return Cli.Fail(1, $"party {me}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return Cli.Fail(1, $"party {me}: cancelled.");
        }
        catch (ArgumentException e)
        {
            // For example a host name as this party's own endpoint without --listen.
            return Cli.Fail(2, $"party {me}: {e.Message}");
        }
        finally
        {
            own?.Dispose();
            foreach (X509Certificate2 p in pinned)
            {
                p.Dispose();
            }
        }
    }

    private static string EngineName(BlackBoxEngine engine) => engine == BlackBoxEngine.Beaver ? "beaver" : "replicated";

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class Reporter(Action<ProviderProgress> report) : IProgress<ProviderProgress>
    {
        public void Report(ProviderProgress value) => report(value);
    }
}
