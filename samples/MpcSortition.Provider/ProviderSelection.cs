using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Samples;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;
using MpcSortition.Selection.Verification;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Provider;

/// <summary>What the operator asks for in <c>POST /operator/select</c>; the three operators must ask for the same.</summary>
/// <param name="TestSeed">TESTING ONLY: a public test seed the round definition commits to; null for joint randomness.</param>
/// <param name="RevealComposition">Also open the panel's composition to the analyser (leakage beyond the panel).</param>
/// <param name="MaxAttempts">Attempts before giving up.</param>
/// <param name="NewRun">Run a round again that ran before (one round, one draw: all three operators must ask for it; it
/// is recorded as the next run in every provider's run log and every later report says so).</param>
internal sealed record SelectRequest(byte[]? TestSeed, bool RevealComposition, int MaxAttempts, bool NewRun = false);

/// <summary>A run that stopped after the providers had agreed and drawn its tape: the run number is used up.</summary>
internal sealed class RunStoppedException(int run, string history, Exception inner) : Exception(inner.Message, inner)
{
    public int Run { get; } = run;

    public string History { get; } = history;
}

/// <summary>A selection that cannot start or go on: an HTTP status, a stable code and a sentence without any secret.</summary>
internal sealed class SelectException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}

/// <summary>
/// The selection of a closed sign-up round, run by the three provider services together, each started by its own
/// operator (<c>POST /operator/select</c>):
/// <list type="number">
/// <item>connect to both peers over the library's mutually authenticated TLS transport (the peers' pinned certificates);</item>
/// <item>exchange the submission histories (code hash, submission id, sequence: public) and the round hash, and reconcile
/// (<see cref="Reconciliation"/>); the three compare a digest of the pool they derived;</item>
/// <item>check every row's well-formedness under MPC (<see cref="IntakeChecks.CheckRowsAsync"/>; the validity bits are
/// opened to every provider) and exclude the malformed rows;</item>
/// <item>run the secure selection on the rest (<see cref="ProviderRun.RunInSessionAsync"/>, joint randomness unless a
/// committed public test seed is given); the panel opens to the analyser (provider 0) only;</item>
/// <item>open the panel members' contact blocks to the analyser only, from the selector's still-shared panel
/// (<see cref="IntakeChecks.OpenPanelContactsAsync(IArithmeticBlackBox, BitShareVector, ShareVector, int, int, CancellationToken)"/>);</item>
/// <item>write the result (owner-only files next to the database) and the run's evidence (the three signed transcripts).</item>
/// </list>
/// One round, one draw: every run is recorded in the round's hash-chained run log (<see cref="RunLog"/>, next to the
/// database); a second run is refused unless all three operators ask for a new run (<c>"newRun": true</c>), which is
/// recorded as run 2 and named in every later result. The pool's signed submission root is published before the check.
/// Nothing secret is logged: counts and times only.
/// </summary>
internal sealed class ProviderSelection(ProviderConfig config, IntakeStore store, SubmissionRoots roots, ILogger log)
{
    /// <summary>The analyser's provider: it alone receives the panel and the members' contact details.</summary>
    public const int Analyser = 0;

    private const int MaxHistoryBytes = 256 << 20;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private int _running;

    private string DataDirectory => Path.GetDirectoryName(Path.GetFullPath(config.DatabasePath))!;

    /// <summary>The result file (JSON, owner-only): at the analyser with the panel and its contacts; elsewhere counts only.</summary>
    public string ResultPath => Path.Combine(DataDirectory, "selection-result.json");

    /// <summary>The round's run log (hash-chained, append-only, owner-only).</summary>
    public string RunLogPath => Path.Combine(DataDirectory, $"run-log-{config.Round.RoundId}.jsonl");

    /// <summary>The evidence of run <paramref name="run"/> (the three signed transcripts; at the analyser also the panel and
    /// its salt), for <c>mpcsortition audit</c>.</summary>
    public string EvidencePath(int run) => Path.Combine(DataDirectory, string.Create(CultureInfo.InvariantCulture, $"evidence-run-{run}.json"));

    /// <summary>The round definition run <paramref name="run"/> selected from (the well-formed rows' code hashes in pool
    /// order, features and quotas; public), for <c>mpcsortition audit --round</c>.</summary>
    public string RoundPath(int run) => Path.Combine(DataDirectory, string.Create(CultureInfo.InvariantCulture, $"round-run-{run}.json"));

    /// <summary>At the analyser: the panel members' contact details as CSV (owner-only).</summary>
    public string PanelCsvPath => Path.Combine(DataDirectory, "panel.csv");

    /// <summary>Runs the selection; returns the result JSON (the same as the result file).</summary>
    public async Task<byte[]> RunAsync(SelectRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new SelectException(409, "select_running", "A selection is already running at this provider.");
        }

        try
        {
            return await RunCoreAsync(request, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<byte[]> RunCoreAsync(SelectRequest request, CancellationToken ct)
    {
        SignupRound round = config.Round;
        int me = config.Party;
        if (!store.IsClosed && config.Clock() <= round.DeadlineUtc)
        {
            throw new SelectException(409, "still_open", $"The sign-up is still open (the deadline is {round.DeadlineUtc:u}); close it first (POST /operator/close).");
        }

        if (request.TestSeed is { } seed)
        {
            if (round.TestSeedCommitment is null)
            {
                throw new SelectException(400, "test_seed_refused", "This sign-up round commits to no public test seed, so it can only be selected with joint randomness (leave out \"testSeed\").");
            }

            if (!CryptographicOperations.FixedTimeEquals(round.CommitTestSeed(seed), Convert.FromHexString(round.TestSeedCommitment)))
            {
                throw new SelectException(400, "test_seed_refused", "The test seed does not match the commitment in the round definition.");
            }
        }

        // Design 2: this provider's part of the tax office's records, read (and refused with its path) before anything is
        // recorded or connected.
        RecordShares? records = config.Records?.Load(me, Convert.FromHexString(round.RoundId), round.Features);

        // One round, one draw: the run log decides the run number before anything is connected.
        RunLog runLog;
        int runNumber;
        try
        {
            runLog = RunLog.Open(RunLogPath, Convert.FromHexString(round.RoundId));
            runNumber = runLog.BeginRun(request.NewRun);
        }
        catch (VerificationException e) when (e.Problem == VerificationProblem.RoundAlreadyRun)
        {
            throw new SelectException(409, request.NewRun ? "no_earlier_run" : "already_run", e.Message + (request.NewRun ? string.Empty : " GET /operator/result shows the last result."));
        }
        catch (Exception e) when (e is VerificationException or IOException or UnauthorizedAccessException)
        {
            throw new SelectException(500, "run_log", $"{RunLogPath}: {e.Message} The selection is refused until the log is restored.");
        }

        (EndPoint[] endpoints, X509Certificate2[] certificates) = MpcPeers();
        if (!store.IsClosed)
        {
            await store.CloseAsync(); // past the deadline: make it durable that nothing changes any more
        }

        var clock = Stopwatch.StartNew();
        log.LogInformation("Select: waiting up to {Seconds} s for the peers' MPC links.", (int)config.MpcConnectTimeout.TotalSeconds);
        // Every message of the session passes the transcript recorder, so that the run's signed transcript covers the
        // history exchange, the check, the selection and the contact opening alike.
        ITransport transport = new TranscriptTransport(await TlsTransport.ConnectAsync(new TlsTransportOptions
        {
            PartyIndex = me,
            Endpoints = endpoints,
            ListenEndPoint = config.MpcListen,
            Certificate = config.Certificate,
            PeerCertificates = certificates,
            ConnectTimeout = config.MpcConnectTimeout,
            ConnectionRefused = r => log.LogWarning("Select: dropped a connection to the MPC port that is not a peer ({Refused}).", r.ToString()),
        }, ct));
        TimeSpan connected = clock.Elapsed;
        IArithmeticBlackBox? abb = null;
        try
        {
            // 1. The pool: histories are public metadata; every provider reconciles the same three lists.
            List<HistoryEntry>[] histories = await ExchangeHistoriesAsync(transport, await store.HistoryAsync(), runNumber, ct);
            ReconciledPool pool = Reconciliation.Reconcile(histories);
            await CompareAsync(transport, PoolDigest(pool), "peer_pool", q => $"Provider {q} derived another pool from the exchanged histories; the providers do not run the same software or data.", ct);
            await CompareRecordsAsync(transport, records, ct); // the same records file and join settings at all three (or none)
            SignedRoot published = await roots.PublishAsync(pool.Rows); // before any computation on the rows
            await store.SavePoolAsync(pool.Rows);
            var shares = await store.PoolSharesAsync();
            if (shares.Count != pool.Rows.Count)
            {
                throw new SelectException(500, "store_inconsistent", $"This provider's database holds {shares.Count} of the {pool.Rows.Count} reconciled rows.");
            }

            int n = shares.Count;
            int v = round.ValueCount;
            int k = round.PanelSize;
            if (n == 0)
            {
                throw new SelectException(409, "empty_pool", "No submission is held by all three providers: there is nobody to select.");
            }

            // 2. Well-formedness under MPC: one validity bit per row, opened to every provider. The engine is the
            // configured one, which the history exchange above found the same at all three.
            abb = await BlackBoxEngines.CreateAsync(transport, config.Engine, ct);
            var rows = new uint[n * v];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < v; j++)
                {
                    rows[i * v + j] = BinaryPrimitives.ReadUInt32LittleEndian(shares[i].Row.AsSpan(4 * j));
                }
            }

            TimeSpan checkStart = clock.Elapsed;
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(rows), round.ValueCounts(), ct);
            TimeSpan checkTime = clock.Elapsed - checkStart;
            int[] kept = Enumerable.Range(0, n).Where(i => valid[i]).ToArray();
            string[] excluded = Enumerable.Range(0, n).Where(i => !valid[i]).Select(i => shares[i].CodeHash).ToArray();
            if (kept.Length < k)
            {
                throw new SelectException(409, "too_few", $"Only {kept.Length} well-formed rows remain ({excluded.Length} malformed) for a panel of {k}.");
            }

            // 3. The secure selection on the well-formed rows; the panel stays shared for step 4.
            // With records (Design 2), the sign-ups are joined to them and the round has the band features after the
            // sign-up questions (RecordSelection.JoinedRound); the file written below is the round the run selects from.
            RoundDefinition selectionRound;
            uint[] keptRows = kept.SelectMany(i => rows.AsSpan(i * v, v).ToArray()).ToArray();
            string[] keptHashes = kept.Select(i => shares[i].CodeHash).ToArray();
            SignupShares? signups = records is null ? null : new SignupShares(keptHashes, keptHashes, round.ToFeatures(), keptRows);
            byte[] seedCommitment = round.TestSeedCommitment is null ? [] : Convert.FromHexString(round.TestSeedCommitment);
            try
            {
                // Created "at" the deadline: a time the three providers share, so that their round files and the round
                // hash each signed transcript names are the same (each builds the round on its own, seconds apart).
                selectionRound = signups is null
                    ? RoundDefinition.ForPool(Convert.FromHexString(round.RoundId), keptHashes, round.ToFeatures(), k, seedCommitment, round.DeadlineUtc)
                    : RecordSelection.JoinedRound(Convert.FromHexString(round.RoundId), signups, config.Records!.JoinOptions(Analyser), k, seedCommitment, round.DeadlineUtc);
            }
            catch (ArgumentException e)
            {
                throw new SelectException(409, "pool_out_of_bounds", "The pool does not fit the secure selector: " + e.Message);
            }

            // The round of this run (public: round id, candidates' code hashes, quotas), for mpcsortition audit --round.
            var definition = new MemoryStream();
            selectionRound.Save(definition);
            FileModes.WriteOwnerOnly(RoundPath(runNumber), definition.ToArray());
            ProviderRunResult run;
            RecordJoinResult? joined = null;
            var runOptions = new ProviderRunOptions
            {
                PublicSeed = request.TestSeed,
                RevealComposition = request.RevealComposition,
                MaxAttempts = request.MaxAttempts,
                Analyser = Analyser,
                SigningCertificate = config.Certificate, // the run's transcript is signed with this provider's key
                RunLog = runLog,
                NewRun = request.NewRun,
                FailureEvidence = evidence => SaveEvidence(runNumber, evidence),
                Engine = config.Engine, // the black box created above; the agreed settings name it truthfully
            };
            try
            {
                if (records is null || signups is null)
                {
                    run = await ProviderRun.RunInSessionAsync(transport, abb, selectionRound, keptRows, runOptions, ct);
                }
                else
                {
                    // Design 2: join the records by code (public look-up, incomes stay shared), append the band columns
                    // and run the same selection on the joined rows; the band counts open to the analyser only.
                    RecordSelectionResult design2 = await RecordSelection.RunInSessionAsync(transport, abb, selectionRound, signups, records,
                        config.Records!.JoinOptions(Analyser), runOptions, ct);
                    (joined, run) = (design2.Join, design2.Run);
                }
            }
            catch (SecureSelectionFailedException f)
            {
                throw new SelectException(409, "no_panel",
                    $"{f.Message} Run {runNumber} of this round is used up (one round, one draw). The three providers signed the failed run's transcripts ({Path.GetFileName(EvidencePath(runNumber))}, check with mpcsortition audit); a new run needs all three operators to ask for it (\"newRun\": true).");
            }

            SaveEvidence(runNumber, RunEvidence.From(run));

            // 4. The panel members' contact blocks, to the analyser only.
            TimeSpan contactsStart = clock.Elapsed;
            BitShareVector contacts = IntakeChecks.ContactShares(abb, kept.Select(i => shares[i].Contact).ToArray(), round.ContactBlockLength);
            byte[][]? blocks = await IntakeChecks.OpenPanelContactsAsync(abb, contacts, run.SharedPanel!, round.ContactBlockLength, Analyser, ct);
            TimeSpan contactsTime = clock.Elapsed - contactsStart;
            SessionCost cost = abb.Cost;
            TimeSpan total = clock.Elapsed;

            // 5. The result.
            List<Dictionary<string, string>>? panel = null;
            if (run.Panel is { } members)
            {
                if (blocks is null || blocks.Length != kept.Length)
                {
                    throw new SelectException(500, "internal", "The analyser received no contact blocks.");
                }

                var inPanel = members.ToHashSet();
                for (int j = 0; j < blocks.Length; j++)
                {
                    if (!inPanel.Contains(j) && blocks[j].AsSpan().ContainsAnyExcept((byte)0))
                    {
                        throw new SelectException(500, "internal", "A contact block outside the panel was not zero.");
                    }
                }

                panel = members.Select(j =>
                {
                    string[] fields = ContactBlock.Decode(round, blocks[j]);
                    var entry = new Dictionary<string, string> { ["codeHash"] = shares[kept[j]].CodeHash };
                    for (int f = 0; f < fields.Length; f++)
                    {
                        entry[round.ContactFields[f].Name] = fields[f];
                    }

                    return entry;
                }).ToList();
            }

            var result = new
            {
                round = round.RoundId,
                roundHash = round.Hash,
                party = me,
                run = run.Run,
                runHistory = run.RunHistory,
                submissionRoot = new { root = published.Root, treeSize = published.TreeSize },
                analyser = Analyser,
                tape = request.TestSeed is null ? "joint" : "public-test",
                engine = EngineSetting.Name(config.Engine),
                pool = new { rows = pool.Rows.Count, dropped = pool.DroppedCodes, superseded = pool.SupersededRows, partial = pool.PartialRows },
                excluded = new { count = excluded.Length, codeHashes = excluded },
                candidates = kept.Length,
                records = joined is null ? null : new
                {
                    file = Path.GetFileName(config.Records!.SharesPath),
                    count = records!.Count,
                    matching = "code",
                    matchedByCode = joined.MatchedByCode.Count(m => m),
                    seconds = Math.Round(joined.Time.TotalSeconds, 2),
                    // At the analyser only: the band counts over all invited citizens and over the candidates.
                    statistics = joined.Statistics?.Select(st => new
                    {
                        feature = st.Feature.Name,
                        values = st.Feature.Values.Select((value, b) => new { value = value.Name, invited = b < st.Invited.Count ? st.Invited[b] : (int?)null, candidates = st.Signups[b] }),
                    }),
                },
                panelSize = k,
                attempts = run.Attempts,
                panel,
                quotas = run.Quotas.Rows.Select(r => new { feature = r.Feature, value = r.Value, min = r.Min, max = r.Max, selected = r.Selected }),
                tapeCommitments = run.TapeCommitments?.Select(c => Convert.ToHexStringLower(c.Span)),
                evidence = Path.GetFileName(EvidencePath(run.Run)),
                roundDefinition = Path.GetFileName(RoundPath(run.Run)),
                signatures = run.Transcripts.Select(t => Convert.ToHexStringLower(t.Signature.Span)),
                seconds = new { total = Math.Round(total.TotalSeconds, 2), connect = Math.Round(connected.TotalSeconds, 2), check = Math.Round(checkTime.TotalSeconds, 2), selection = Math.Round(run.SelectionTime.TotalSeconds, 2), contacts = Math.Round(contactsTime.TotalSeconds, 2) },
                traffic = new { rounds = cost.Rounds, bytesSent = cost.BytesSent, bytesReceived = cost.BytesReceived },
            };
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(result, Json);
            FileModes.WriteOwnerOnly(ResultPath, json);
            if (panel is not null)
            {
                FileModes.WriteOwnerOnly(PanelCsvPath, Encoding.UTF8.GetBytes(PanelCsv(round, panel)));
            }

            if (run.TapeContribution is ReadOnlyMemory<byte> contribution)
            {
                FileModes.WriteOwnerOnly(Path.Combine(DataDirectory, "tape-contribution.hex"), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(contribution.Span) + "\n"));
            }

            await store.MarkSelectedAsync();
            log.LogInformation(
                "Selected: {Rows} pool rows ({Dropped} codes dropped, {Superseded} superseded), {Excluded} malformed rows excluded, panel of {K} at attempt {Attempts}, {Seconds:F1} s; {Held}; {History}.",
                pool.Rows.Count, pool.DroppedCodes, pool.SupersededRows, excluded.Length, k, run.Attempts, total.TotalSeconds,
                panel is null ? "no panel or contacts at this provider" : "panel and contacts written owner-only", run.RunHistory);
            return json;
        }
        catch (Exception e) when (e is PeerException or OperationCanceledException or VerificationException && runLog.Runs.LastOrDefault() is { Run: var r, Drawn: true } && r == runNumber)
        {
            // After the agreement the tape was drawn: this run counts, and the log records how it stopped (not signed:
            // the closing exchange that signs a run needs all three providers).
            throw new RunStoppedException(runNumber, runLog.Describe(runNumber), e);
        }
        finally
        {
            if (abb is not null)
            {
                await abb.DisposeAsync();
            }
            else
            {
                await transport.DisposeAsync();
            }
        }
    }

    /// <summary>The MPC endpoints (this provider's and its peers') and the pinned certificates, indexed by party.</summary>
    private (EndPoint[] Endpoints, X509Certificate2[] Certificates) MpcPeers()
    {
        if (config.MpcListen is null)
        {
            throw new SelectException(409, "not_configured", "This provider's configuration has no \"mpc\" endpoint (where it listens for its peers' MPC links).");
        }

        var endpoints = new EndPoint[3];
        var certificates = new X509Certificate2[3];
        endpoints[config.Party] = config.MpcListen;
        certificates[config.Party] = config.Certificate;
        for (int q = 0; q < 3; q++)
        {
            if (q == config.Party)
            {
                continue;
            }

            PeerConfig peer = config.Peers.FirstOrDefault(p => p.Party == q)
                ?? throw new SelectException(409, "not_configured", $"The configuration names no provider {q} among the peers.");
            endpoints[q] = peer.Mpc ?? throw new SelectException(409, "not_configured", $"The configuration gives no \"mpc\" endpoint for provider {q}.");
            try
            {
                certificates[q] = X509CertificateLoader.LoadCertificateFromFile(peer.CertificatePath);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new SelectException(500, "not_configured", $"{peer.CertificatePath}: cannot load provider {q}'s certificate ({e.Message}).");
            }
        }

        return (endpoints, certificates);
    }

    /// <summary>Sends this provider's history to both peers and receives theirs: a 4-byte length, then JSON
    /// <c>{"party","roundHash","run","engine","entries":[[codeHash, submission, sequence], …]}</c>. Checks party, round, run
    /// number and engine, before any secret is used.</summary>
    private async Task<List<HistoryEntry>[]> ExchangeHistoriesAsync(ITransport transport, List<HistoryEntry> mine, int run, CancellationToken ct)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            party = config.Party,
            roundHash = config.Round.Hash,
            run,
            engine = EngineSetting.Name(config.Engine),
            entries = mine.Select(e => new object[] { e.CodeHash, e.SubmissionId, e.Sequence }),
        });
        byte[][] received = await PeerExchange.ExchangeAsync(transport, body, 2, MaxHistoryBytes, (peer, size) => new SelectException(502, "peer_history",
            $"Provider {peer} announced a history of {size} bytes; this service reads up to {MaxHistoryBytes}."), ct);
        var histories = new List<HistoryEntry>[3];
        histories[config.Party] = mine;
        for (int q = 0; q < 3; q++)
        {
            if (q != config.Party)
            {
                histories[q] = ParseHistory(received[q], q, run);
            }
        }

        return histories;
    }

    private List<HistoryEntry> ParseHistory(byte[] body, int peer, int run)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            JsonElement root = doc.RootElement;
            int party = root.GetProperty("party").GetInt32();
            string? hash = root.GetProperty("roundHash").GetString();
            if (party != peer)
            {
                throw new SelectException(502, "peer_history", $"The peer at provider {peer}'s endpoint says it is provider {party}.");
            }

            if (hash != config.Round.Hash)
            {
                throw new SelectException(409, "peer_round", $"Provider {peer} serves another sign-up round (round hash {hash?[..Math.Min(16, hash.Length)]}…, this provider's {config.Round.Hash[..16]}…): the providers do not hold the same pool. Nothing was computed.");
            }

            int theirRun = root.GetProperty("run").GetInt32();
            if (theirRun != run)
            {
                throw new SelectException(409, "peer_run", string.Create(CultureInfo.InvariantCulture,
                    $"Provider {peer} is at run {theirRun} of this round, this provider at run {run}: one round, one draw — a new run needs all three operators to ask for it (\"newRun\": true), and a first run none of them. Nothing was drawn."));
            }

            string? theirEngine = root.TryGetProperty("engine", out JsonElement named) ? named.GetString() : null;
            if (!BlackBoxEngines.TryParse(theirEngine, out BlackBoxEngine engine) || engine != config.Engine)
            {
                throw new SelectException(409, "peer_engine", EngineSetting.Mismatch($"Provider {peer}", "this provider", theirEngine, config.Engine, "providers") + " Nothing was computed.");
            }

            return root.GetProperty("entries").EnumerateArray()
                .Select(e => new HistoryEntry(e[0].GetString()!, e[1].GetString()!, e[2].GetInt64())).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new SelectException(502, "peer_history", $"Provider {peer} sent a history this service cannot read.");
        }
    }

    private void SaveEvidence(int run, RunEvidence evidence)
    {
        var buffer = new MemoryStream();
        evidence.Save(buffer);
        FileModes.WriteOwnerOnly(EvidencePath(run), buffer.ToArray());
    }

    /// <summary>Design 2: exchanges a public summary of the records (size, attributes, digest of the code hashes) and of
    /// the join settings, or "none" without a <c>"records"</c> section, and names the first difference
    /// (<c>records_mismatch</c>) before any secret is used.</summary>
    private async Task CompareRecordsAsync(ITransport transport, RecordShares? records, CancellationToken ct)
    {
        byte[] mine = records is null ? "none"u8.ToArray() : config.Records!.Summary(records);
        byte[][] received = await PeerExchange.ExchangeAsync(transport, mine, 1, 1 << 20, (peer, size) => new SelectException(502, "peer_records",
            $"Provider {peer} announced a records summary of {size} bytes; this service reads 1 to 1048576."), ct);
        for (int q = 0; q < 3; q++)
        {
            if (q == config.Party)
            {
                continue;
            }

            bool theirsNone = received[q].AsSpan().SequenceEqual("none"u8);
            string? difference = (records is null, theirsNone) switch
            {
                (true, true) => null,
                (true, false) => $"Provider {q} joins the tax office's records to the pool (its configuration has a \"records\" section), this provider does not.",
                (false, true) => $"Provider {q} runs without the tax office's records (its configuration has no \"records\" section), this provider with them.",
                (false, false) => RecordsConfig.Difference(mine, received[q], q),
            };
            if (difference is not null)
            {
                throw new SelectException(409, "records_mismatch", difference + " Nothing was drawn.");
            }
        }
    }

    /// <summary>Sends a 32-byte digest to both peers and compares theirs with it.</summary>
    private static async Task CompareAsync(ITransport transport, byte[] digest, string code, Func<int, string> message, CancellationToken ct)
    {
        var received = new byte[3][];
        var tasks = new List<Task>();
        for (int q = 0; q < 3; q++)
        {
            if (q == transport.PartyIndex)
            {
                continue;
            }

            int peer = q;
            received[peer] = new byte[digest.Length];
            tasks.Add(transport.SendAsync(peer, digest, ct).AsTask());
            tasks.Add(transport.ReceiveAsync(peer, received[peer], ct).AsTask());
        }

        await PeerExchange.WhenAllOrFirstFailureAsync(tasks);
        for (int q = 0; q < 3; q++)
        {
            if (q != transport.PartyIndex && !received[q].AsSpan().SequenceEqual(digest))
            {
                throw new SelectException(409, code, message(q));
            }
        }
    }

    /// <summary>SHA-256 over the pool's code hashes and submission ids in order.</summary>
    private static byte[] PoolDigest(ReconciledPool pool)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.intake-pool.v1\n"u8);
        foreach (HistoryEntry e in pool.Rows)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{e.CodeHash} {e.SubmissionId}\n"));
        }

        return hash.GetHashAndReset();
    }

    private static string PanelCsv(SignupRound round, List<Dictionary<string, string>> panel)
    {
        var csv = new StringBuilder();
        csv.Append("code_hash");
        foreach (ContactField f in round.ContactFields)
        {
            csv.Append(',').Append(Invitations.CsvField(f.Name));
        }

        csv.Append('\n');
        foreach (Dictionary<string, string> member in panel)
        {
            csv.Append(member["codeHash"]);
            foreach (ContactField f in round.ContactFields)
            {
                csv.Append(',').Append(Invitations.CsvField(member[f.Name]));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }
}

/// <summary><c>POST /operator/select</c> and <c>GET /operator/result</c> (behind the operator filter of <see cref="ProviderApp"/>).</summary>
internal static class SelectEndpoints
{
    private const int MaxBodyBytes = 4096;

    public static void Map(RouteGroupBuilder op, ProviderSelection selection, ILogger log, CancellationToken stopping)
    {
        op.MapPost("/select", async (HttpContext ctx) =>
        {
            SelectRequest request;
            try
            {
                request = await ReadRequestAsync(ctx);
            }
            catch (SelectException e)
            {
                return Error(e.Status, e.Code, e.Message);
            }

            try
            {
                byte[] json = await selection.RunAsync(request, stopping);
                return Results.Bytes(json, "application/json");
            }
            catch (SelectException e)
            {
                log.LogWarning("Select failed: {Code}: {Message}", e.Code, e.Message);
                return Error(e.Status, e.Code, e.Message);
            }
            catch (RunStoppedException e) when (Describe(e.InnerException!) is { } inner)
            {
                string message = $"{inner.Message.TrimEnd('.')}. Run {e.Run} had already drawn its tape (the providers had exchanged their commitments), so it is used up: {e.History}. To try again, all three operators ask for a new run (\"newRun\": true); its report will say run {e.Run + 1}. This stop is recorded in the run log, not signed (signing needs the closing exchange of all three).";
                log.LogWarning("Select failed: {Code}: {Message}", inner.Code, message);
                return Error(inner.Status, inner.Code, message);
            }
            catch (Exception e) when (Describe(e) is { } described)
            {
                log.LogWarning("Select failed: {Code}: {Message}", described.Code, described.Message);
                return Error(described.Status, described.Code, described.Message);
            }
            catch (Exception e)
            {
                // A bug, not bad input: the type and message (the library's messages hold no share, code or contact), no stack trace in the answer.
                log.LogError("Select failed unexpectedly: {Type}: {Message}", e.GetType().Name, e.Message);
                return Error(500, "internal", $"The selection failed unexpectedly ({e.GetType().Name}); the service's log has the message. Nothing was recorded as selected.");
            }
        });
        op.MapGet("/result", () => File.Exists(selection.ResultPath)
            ? Results.Bytes(File.ReadAllBytes(selection.ResultPath), "application/json")
            : Error(404, "no_result", "No selection has completed at this provider yet."));
    }

    /// <summary>The body is optional JSON: <c>{"testSeed": hex, "revealComposition": bool, "maxAttempts": int}</c>.</summary>
    private static async Task<SelectRequest> ReadRequestAsync(HttpContext ctx)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new SelectException(413, "too_large", $"The select request is larger than {MaxBodyBytes} bytes.");
            }
        }

        if (buffer.Length == 0)
        {
            return new SelectRequest(null, false, PanelSelector.DefaultAttempts);
        }

        const string Shape = "Send nothing, or JSON {\"testSeed\": hex (testing only), \"revealComposition\": true|false, \"maxAttempts\": 1-10000, \"newRun\": true|false}.";
        try
        {
            using JsonDocument doc = JsonDocument.Parse(buffer.ToArray());
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Any(p => p.Name is not ("testSeed" or "revealComposition" or "maxAttempts" or "newRun")))
            {
                throw new SelectException(400, "bad_request", Shape);
            }

            byte[]? seed = root.TryGetProperty("testSeed", out JsonElement s) && s.ValueKind != JsonValueKind.Null ? Convert.FromHexString(s.GetString()!) : null;
            bool reveal = root.TryGetProperty("revealComposition", out JsonElement r) && r.GetBoolean();
            int attempts = root.TryGetProperty("maxAttempts", out JsonElement a) ? a.GetInt32() : PanelSelector.DefaultAttempts;
            bool newRun = root.TryGetProperty("newRun", out JsonElement nr) && nr.GetBoolean();
            if (attempts is < 1 or > 10_000 || seed is { Length: 0 })
            {
                throw new SelectException(400, "bad_request", Shape);
            }

            if (seed is not null && seed.Length != AesCtrPrg.SeedSize)
            {
                throw new SelectException(400, "bad_request", $"\"testSeed\" is {seed.Length} bytes; a test seed is {AesCtrPrg.SeedSize} bytes ({2 * AesCtrPrg.SeedSize} hex digits).");
            }

            return new SelectRequest(seed, reveal, attempts, newRun);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new SelectException(400, "bad_request", Shape);
        }
    }

    /// <summary>The library's failures in words for the operator; null for an unexpected exception.</summary>
    private static (int Status, string Code, string Message)? Describe(Exception e) => e switch
    {
        PeerException p => (502, "peer_failed", $"{p.Message.TrimEnd('.')}. The selection stopped at every provider; start it again at all three once the peer is back."),
        VerificationException v => (502, "verification_failed", v.Message),
        ProviderMismatchException m => (409, "peer_mismatch", m.Message),
        InfeasibleQuotasException q => (409, "infeasible_quotas", q.Message),
        SecureSelectionFailedException f => (409, "no_panel", f.Message),
        ProviderFileException f => (400, "test_seed_refused", f.Message),
        OperationCanceledException => (503, "stopping", "The service is stopping; the selection was abandoned."),
        _ => null,
    };

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
