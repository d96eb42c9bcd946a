using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Providers;

/// <summary>The settings of one provider run; every provider must use the same ones (<see cref="ProviderAgreement"/> checks).</summary>
public sealed class ProviderRunOptions
{
    /// <summary>The secure strategy. Default: the paper-era legacy greedy (<see cref="SecureLegacyGreedy"/>).</summary>
    public ISecureSelectionStrategy Strategy { get; init; } = new SecureLegacyGreedy();

    /// <summary>Attempts before giving up; at least 1. Default <see cref="PanelSelector.DefaultAttempts"/>.</summary>
    public int MaxAttempts { get; init; } = PanelSelector.DefaultAttempts;

    /// <summary>The provider that receives the panel (the analyser's). Default 0.</summary>
    public int Analyser { get; init; }

    /// <summary>Also open the panel's composition (members per feature value) to the analyser. Default false. This is
    /// leakage beyond the panel: a count of 0 or k tells the analyser the value of every panel member.</summary>
    public bool RevealComposition { get; init; }

    /// <summary>TESTING AND AUDITS ONLY: a public test seed (every provider knows the random words; the panel is then the
    /// reference's panel for this seed). The round must commit to it (<see cref="RoundDefinition.VerifySeed"/>).
    /// Default <see langword="null"/>: a <see cref="ContributionTape"/> that no provider knows.</summary>
    public byte[]? PublicSeed { get; init; }

    /// <summary>Receives progress (the agreement, then the start of each attempt); never any secret. Called on the run's
    /// own thread, synchronously.</summary>
    public IProgress<ProviderProgress>? Progress { get; init; }

    /// <summary>This provider's run log of the round (<see cref="Verification.RunLog.Open(string, RoundDefinition)"/>): the run is refused when the
    /// round ran before and <see cref="NewRun"/> is not set, and every step is appended. Default <see langword="null"/>:
    /// no log, the run counts as run 1 (tests and hosts that keep their own record).</summary>
    public RunLog? RunLog { get; init; }

    /// <summary>Run a round again that ran before (the log's next run number). Every provider must set it: the agreement
    /// compares run numbers. Default false.</summary>
    public bool NewRun { get; init; }

    /// <summary>The certificate (with private key, ECDSA or RSA) this provider signs its transcript with, normally its TLS
    /// certificate. Default <see langword="null"/>: the transcript is exchanged unsigned.</summary>
    public X509Certificate2? SigningCertificate { get; init; }

    /// <summary>The black box the selection runs on; the same at every provider (it is part of the agreed settings).
    /// Default <see cref="BlackBoxEngine.Replicated"/>: measured faster than <see cref="BlackBoxEngine.Beaver"/> on the
    /// provider nodes with the same rounds and half the traffic (docs/benchmarks.md, "Engines"). With
    /// <see cref="ProviderRun.RunInSessionAsync"/> the caller's black box is used and this value only enters the agreed settings.</summary>
    public BlackBoxEngine Engine { get; init; } = BlackBoxEngine.Replicated;

    /// <summary>How many attempts run as one batched computation (<see cref="SecureSelectionOptions.ParallelAttempts"/>):
    /// 0 (default) for the automatic choice from the round's size (<see cref="SecureSelector.AutomaticParallelAttempts"/>),
    /// 1 for one attempt after another, m ≥ 2 for batches of m. The resolved m is part of the agreed settings, so
    /// providers that would batch differently refuse each other before any secret is used. The panel, the attempt number
    /// and what the providers learn do not depend on it.</summary>
    public int ParallelAttempts { get; init; }

    /// <summary>Called when a run ends without a panel after every attempt (before
    /// <see cref="SecureSelectionFailedException"/> is thrown), with the evidence of that failed run: the three providers
    /// still open their contributions and exchange their transcripts (success bits all 0, no panel commitment), signed
    /// with <see cref="SigningCertificate"/>, so that a failed run is as checkable as a successful one (<c>audit</c>).
    /// A run that stops because a link failed cannot close like this; its provider's run log records it (not signed).
    /// Default <see langword="null"/>: the failure evidence is not kept.</summary>
    public Action<RunEvidence>? FailureEvidence { get; init; }
}

/// <summary>A stage of a provider run.</summary>
public enum ProviderStage
{
    /// <summary>The peers agreed on round and settings and the session is set up (pairwise seeds exchanged).</summary>
    Agreed,

    /// <summary>An attempt starts (<see cref="ProviderProgress.Attempt"/> is its 1-based number).</summary>
    Attempt,
}

/// <summary>Progress of a provider run.</summary>
/// <param name="Stage">What happened.</param>
/// <param name="Attempt">With <see cref="ProviderStage.Attempt"/>: the 1-based attempt number; otherwise 0.</param>
/// <param name="Elapsed">Time since the run started.</param>
public readonly record struct ProviderProgress(ProviderStage Stage, int Attempt, TimeSpan Elapsed);

/// <summary>The outcome of one provider run at one provider.</summary>
public sealed partial class ProviderRunResult
{
    private readonly int[]? _panel;
    private readonly int[]? _composition;
    private readonly byte[]? _contribution;

    internal ProviderRunResult(RoundDefinition round, SecureSelectionResult selection, IReadOnlyList<ReadOnlyMemory<byte>>? commitments, byte[]? contribution, byte[]? publicSeed, TimeSpan selectionTime, RunClosing closing)
    {
        Run = closing.Run;
        RunHistory = closing.History;
        Transcripts = closing.Transcripts;
        PanelSalt = closing.PanelSalt;
        Round = round;
        Attempts = selection.Attempts;
        Cost = selection.Cost;
        _panel = selection.Panel?.ToArray();
        SharedPanelFromSelection = selection.SharedPanel;
        _composition = selection.Composition?.ToArray();
        TapeCommitments = commitments;
        _contribution = contribution;
        PublicSeed = publicSeed;
        SelectionTime = selectionTime;
        Quotas = _composition is null ? QuotaTable.Create(round.Features, null) : QuotaTable.Create(round.Features, _composition);
    }

    /// <summary>The round that was run.</summary>
    public RoundDefinition Round { get; }

    /// <summary>The 1-based run number of this round (1 without a run log).</summary>
    public int Run { get; }

    /// <summary>For reports: "run 2 of round X; run 1 (started …) failed at …" from this provider's run log; without a log "run 1 of round X (no run log kept)".</summary>
    public string RunHistory { get; }

    /// <summary>The three providers' transcripts in party order, each signed by its provider when it had a signing
    /// certificate; every provider holds all three. An auditor checks them with <see cref="RunAudit"/>.</summary>
    public IReadOnlyList<SignedTranscript> Transcripts { get; }

    /// <summary>At the analyser's provider: the 32-byte salt of the panel commitment (<see cref="RunTranscript.CommitPanel"/>),
    /// which opens it to an auditor together with the panel; <see langword="null"/> elsewhere.</summary>
    public byte[]? PanelSalt { get; }

    /// <summary>The 1-based number of the attempt that succeeded (every provider learns it).</summary>
    public int Attempts { get; }

    /// <summary>This provider's traffic during the selection.</summary>
    public SessionCost Cost { get; }

    /// <summary>Time spent in the selection (all attempts and the final openings), after the agreement.</summary>
    public TimeSpan SelectionTime { get; }

    /// <summary>Whether this provider is the analyser's and holds the panel.</summary>
    public bool HasPanel => _panel is not null;

    /// <summary>At the analyser's provider: the panel as pool indexes in pool order; <see langword="null"/> elsewhere.</summary>
    public IReadOnlyList<int>? Panel => _panel;

    /// <summary>At the analyser's provider: the panel's candidate ids in pool order; <see langword="null"/> elsewhere.</summary>
    public IReadOnlyList<string>? PanelIds => _panel?.Select(i => Round.CandidateIds[i]).ToArray();

    /// <summary>At the analyser's provider with <see cref="ProviderRunOptions.RevealComposition"/>: members per global
    /// value index; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<int>? Composition => _composition;

    /// <summary>The quota table: every feature value with min and max, and with the selected count when the composition
    /// was opened to this provider (otherwise <see cref="QuotaTable.HasSelected"/> is false).</summary>
    public QuotaTable Quotas { get; }

    /// <summary>With joint randomness: the three providers' tape commitments in party order; <see langword="null"/> with a public seed.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? TapeCommitments { get; }

    /// <summary>With joint randomness: this provider's own tape contribution; <see langword="null"/> with a public seed.
    /// It was secret until the draw ended; the run then opened it to the peers and into the transcripts
    /// (<see cref="Transcripts"/>).</summary>
    public ReadOnlyMemory<byte>? TapeContribution => _contribution is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(_contribution);

    /// <summary>The public test seed used, or <see langword="null"/> with joint randomness.</summary>
    public byte[]? PublicSeed { get; }

    /// <summary>Writes the panel as CSV: header <c>id,pool_index</c>, then one line per member in pool order (fields
    /// quoted when needed and neutralised against spreadsheet formulas, see <see cref="QuotaTable.WriteCsv"/>).</summary>
    /// <param name="writer">The destination.</param>
    /// <exception cref="InvalidOperationException">This provider holds no panel.</exception>
    public void WritePanelCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int[] panel = _panel ?? throw new InvalidOperationException("Only the analyser's provider holds the panel.");
        writer.Write("id,pool_index\n");
        foreach (int i in panel)
        {
            writer.Write(SpreadsheetCsv.Field(Round.CandidateIds[i]));
            writer.Write(',');
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }

    /// <summary>Describes the result without panel, composition or contribution.</summary>
    /// <returns>The attempt count and whether this provider holds the panel.</returns>
    public override string ToString() => $"ProviderRunResult(attempt {Attempts}, {(HasPanel ? "panel held" : "no panel at this provider")})";
}

/// <summary>
/// One provider's run of a round: agree with the peers on round and settings (<see cref="ProviderAgreement"/>, before
/// any secret is used), set up the session (pairwise seeds, dealer-free triples), run the secure selection on this
/// provider's shares with the committed joint tape (or a committed public test seed), and open the panel to the
/// analyser's provider only. Every provider calls this with the same round and options.
/// </summary>
public static partial class ProviderRun
{
    /// <summary>Number of providers.</summary>
    public const int Parties = 3;

    /// <summary>Runs the round at this provider. The run owns <paramref name="transport"/> and disposes it when it ends
    /// (successfully or not).</summary>
    /// <param name="transport">Authenticated links to the two peers (e.g. <see cref="TlsTransport"/>), three parties.</param>
    /// <param name="round">The round (<see cref="RoundDefinition.Load"/>).</param>
    /// <param name="shares">This provider's n·V shares (<see cref="ShareFile.Read"/>).</param>
    /// <param name="options">The settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The result; the panel only at the analyser's provider.</returns>
    /// <exception cref="ArgumentException">The transport does not have three parties, or the number of shares is not n·V.</exception>
    /// <exception cref="ProviderFileException">A public seed was given that the round does not commit to.</exception>
    /// <exception cref="ProviderMismatchException">A peer runs another round or other settings.</exception>
    /// <exception cref="PeerException">A link failed (the message names the peer).</exception>
    /// <exception cref="InfeasibleQuotasException">The public quotas cannot be met.</exception>
    /// <exception cref="SecureSelectionFailedException">Every attempt failed.</exception>
    public static async Task<ProviderRunResult> RunAsync(ITransport transport, RoundDefinition round, ReadOnlyMemory<uint> shares, ProviderRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var recorder = new TranscriptTransport(transport);
        IArithmeticBlackBox? abb = null;
        try
        {
            options ??= new ProviderRunOptions();
            Validate(recorder, round, shares, options);

            // The agreement comes before the session's seed exchange: nothing secret is used until the peers agree.
            return await RunCoreAsync(recorder, async () => abb = await BlackBoxEngines.CreateAsync(recorder, options.Engine, cancellationToken).ConfigureAwait(false), round, shares, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (abb is not null)
            {
                await abb.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await recorder.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void Validate(ITransport transport, RoundDefinition round, ReadOnlyMemory<uint> shares, ProviderRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(options.Strategy, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ParallelAttempts, nameof(options));
        if (transport.PartyCount != Parties)
        {
            throw new ArgumentException($"A provider run has {Parties} parties; the transport has {transport.PartyCount}.", nameof(transport));
        }

        if (options.Analyser is < 0 or >= Parties)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Analyser, "The analyser must be provider 0, 1 or 2.");
        }

        long expected = (long)round.CandidateIds.Count * round.ValueCount;
        if (shares.Length != expected)
        {
            throw new ArgumentException($"Expected n·V = {expected} shares, got {shares.Length}.", nameof(shares));
        }

        if (options.PublicSeed is not null)
        {
            round.VerifySeed(options.PublicSeed);
        }
    }

    /// <summary>The run itself, once for both entry points: run log, agreement, committed tape, selection, closing
    /// exchange (opened contributions, signed transcripts). <paramref name="session"/> gives the black box on
    /// <paramref name="recorder"/> (created on demand after the agreement, or the caller's).</summary>
    private static async Task<ProviderRunResult> RunCoreAsync(TranscriptTransport recorder, Func<Task<IArithmeticBlackBox>> session, RoundDefinition round, ReadOnlyMemory<uint> shares, ProviderRunOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int me = recorder.PartyIndex;
        RunLog? log = options.RunLog;
        if (log is not null && !string.Equals(log.RoundId, round.RoundId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The run log belongs to round {log.RoundId}, not to round {round.RoundId}.", nameof(options));
        }

        int run = log?.BeginRun(options.NewRun) ?? 1;
        using ContributionTape? contribution = options.PublicSeed is null ? new ContributionTape(round.RoundIdBytes, me) : null;
        log?.Append(new RunLogEntry { Kind = "start", Run = run, NewRun = options.NewRun, Session = Convert.ToHexString(ProviderAgreement.Digest(round, options, contribution is null, run)) });
        var counter = new ReportingTape(options.Progress, clock, log, run);
        bool closedWithoutPanel = false;
        try
        {
            IReadOnlyList<ReadOnlyMemory<byte>> commitments = await ProviderAgreement.AgreeAsync(
                recorder, round, options, contribution?.Commitment ?? ReadOnlyMemory<byte>.Empty, run, cancellationToken).ConfigureAwait(false);
            log?.Append(new RunLogEntry { Kind = "agreed", Run = run, Commitments = commitments.Select(c => contribution is null ? "-" : Convert.ToHexString(c.Span)).ToArray() });

            IArithmeticBlackBox abb = await session().ConfigureAwait(false);
            options.Progress?.Report(new ProviderProgress(ProviderStage.Agreed, 0, clock.Elapsed));
            TimeSpan started = clock.Elapsed;
            SecurePool pool = SecurePool.FromShares(abb, round.Layout, shares.Span);
            using RandomTape? plain = options.PublicSeed is null ? null : new RandomTape(options.PublicSeed);
            counter.Inner = plain is null ? contribution! : new PublicTape(plain);
            var selectionOptions = new SecureSelectionOptions
            {
                MaxAttempts = options.MaxAttempts,
                Analyser = options.Analyser,
                Tape = counter,
                RevealComposition = options.RevealComposition,
                ParallelAttempts = ProviderAgreement.ParallelAttempts(round, options),
                AttemptsFailed = failed => counter.Failed = failed,
            };
            SecureSelectionResult selection;
            try
            {
                selection = await SecureSelector.SelectAsync(abb, pool, options.Strategy, selectionOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (SecureSelectionFailedException failed)
            {
                // Every provider learnt the same success bits and is still connected: the run closes as a successful one
                // does (contributions opened and checked, transcripts signed and exchanged, an end entry in the log), so
                // that the failed run is signed evidence too; then the failure is reported as before.
                RunClosing failure = await RunClosing.CloseAsync(recorder, round, options, run, log, contribution is null ? null : commitments, contribution, null, failed.Attempts, found: false, cancellationToken).ConfigureAwait(false);
                closedWithoutPanel = true;
                options.FailureEvidence?.Invoke(new RunEvidence(failure.Transcripts));
                throw;
            }

            TimeSpan selectionTime = clock.Elapsed - started;
            RunClosing closing = await RunClosing.CloseAsync(recorder, round, options, run, log, contribution is null ? null : commitments, contribution, selection.Panel, selection.Attempts, found: true, cancellationToken).ConfigureAwait(false);
            return new ProviderRunResult(
                round,
                selection,
                contribution is null ? null : commitments,
                contribution?.Contribution.ToArray(),
                options.PublicSeed?.ToArray(),
                selectionTime,
                closing);
        }
        catch (Exception e) when (log is not null && !closedWithoutPanel && e is not VerificationException { Problem: VerificationProblem.RoundAlreadyRun })
        {
            // Attempts whose outcome was opened failed; an attempt interrupted by an error (with parallel attempts, the
            // whole batch it belongs to) has no success bit.
            string bits = new('0', e is SecureSelectionFailedException ? counter.Attempts : counter.Failed);
            try
            {
                log.Append(new RunLogEntry { Kind = "failed", Run = run, SuccessBits = bits, Reason = e is OperationCanceledException ? "cancelled" : e.Message });
            }
            catch (IOException)
            {
                // The original failure matters more than a log write that failed too.
            }

            throw;
        }
    }

    /// <summary>Passes words through, counts attempts (the selector reads one batch per attempt), logs and reports the start of each.</summary>
    private sealed class ReportingTape(IProgress<ProviderProgress>? progress, Stopwatch clock, RunLog? log, int run) : ISharedTape
    {
        internal ISharedTape? Inner { get; set; }

        internal int Attempts { get; private set; }

        /// <summary>Attempts whose (failed) outcome the selector opened.</summary>
        internal int Failed { get; set; }

        public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
        {
            Attempts++;
            log?.Append(new RunLogEntry { Kind = "attempt", Run = run, Attempt = Attempts });
            progress?.Report(new ProviderProgress(ProviderStage.Attempt, Attempts, clock.Elapsed));
            return (Inner ?? throw new InvalidOperationException("The tape is not set.")).NextWords(abb, count);
        }

        public override string ToString() => "ReportingTape";
    }
}
