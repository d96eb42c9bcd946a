using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Verification;

/// <summary>One entry of a <see cref="RunLog"/>. Only public facts: no share, no unopened contribution, no key.</summary>
public sealed class RunLogEntry
{
    /// <summary>The 1-based position in the log.</summary>
    public int Seq { get; init; }

    /// <summary>When it was written (UTC, ISO 8601).</summary>
    public string Time { get; init; } = string.Empty;

    /// <summary>What happened: <c>start</c>, <c>agreed</c>, <c>attempt</c>, <c>opened</c>, <c>end</c> or <c>failed</c>.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The run the entry belongs to (1-based).</summary>
    public int Run { get; init; }

    /// <summary>With <c>start</c>: whether all providers asked for a new run of a round that ran before.</summary>
    public bool? NewRun { get; init; }

    /// <summary>With <c>start</c>: the session digest (round, settings, run) the providers agree on, 64 hex digits.</summary>
    public string? Session { get; init; }

    /// <summary>With <c>agreed</c>: the three tape commitments in party order (64 hex digits, or - with a public tape).</summary>
    public string[]? Commitments { get; init; }

    /// <summary>With <c>attempt</c>: the 1-based attempt that starts.</summary>
    public int? Attempt { get; init; }

    /// <summary>With <c>opened</c>: the three contributions, opened to all providers after the draw (32 hex digits each).</summary>
    public string[]? Contributions { get; init; }

    /// <summary>With <c>end</c> and <c>failed</c>: the success bit of every attempt that finished.</summary>
    public string? SuccessBits { get; init; }

    /// <summary>With <c>end</c>: the analyser's panel commitment, or null when no panel was found.</summary>
    public string? PanelCommitment { get; init; }

    /// <summary>With <c>end</c>: SHA-256 of this provider's canonical transcript (<see cref="RunTranscript.Digest"/>).</summary>
    public string? Transcript { get; init; }

    /// <summary>With <c>failed</c>: why the run stopped (an error message; never a secret).</summary>
    public string? Reason { get; init; }
}

/// <summary>How one run of a round ended, as its provider's log tells it.</summary>
/// <param name="Run">The 1-based run number.</param>
/// <param name="Started">When it started (UTC, ISO 8601).</param>
/// <param name="Outcome">"completed with a panel at attempt n", "completed without a panel after n attempts", "failed at
/// … : reason" or "stopped at … (no end recorded)".</param>
/// <param name="Completed">Whether the run reached its end entry.</param>
/// <param name="Drawn">Whether the providers agreed (exchanged tape commitments), so that a tape was drawn; a start that
/// stopped before that drew nothing and its number is used again.</param>
public sealed record RunSummary(int Run, string Started, string Outcome, bool Completed, bool Drawn);

/// <summary>
/// A provider's append-only log of the runs of one round, hash-chained so that an edited, reordered or removed entry is
/// detected, and a log cut short is detected against the log head in its provider's signed transcript. A round runs once:
/// <see cref="BeginRun"/> refuses a second run unless all three providers ask for a new run, which is then recorded.
/// </summary>
/// <remarks>
/// <para>Format: UTF-8 text, one entry per line: 64 upper-case hex digits (the entry hash), a space, and the entry as
/// one-line JSON (camelCase, null members left out). The entry hash is SHA-256 of the previous entry's hash (32 bytes)
/// and the JSON text's UTF-8 bytes; before the first entry the "previous hash" is SHA-256("MpcSortition.run-log.v1" ‖
/// 16-byte round id). Entry <c>seq</c> numbers run 1, 2, 3, ….</para>
/// <para>The file is created owner-only (0600 on Unix), and every entry is flushed to disk before the run goes on.</para>
/// </remarks>
public sealed class RunLog
{
    private readonly List<RunLogEntry> _entries;
    private readonly List<string> _hashes;
    private readonly string? _path;
    private readonly byte[] _roundId;

    private RunLog(string? path, byte[] roundId, List<RunLogEntry> entries, List<string> hashes)
    {
        _path = path;
        _roundId = roundId;
        _entries = entries;
        _hashes = hashes;
    }

    /// <summary>The round id (32 hex digits).</summary>
    public string RoundId => Convert.ToHexString(_roundId);

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<RunLogEntry> Entries => _entries;

    /// <summary>The hash of the last entry (64 hex digits), or of the empty log.</summary>
    public string Head => _hashes.Count > 0 ? _hashes[^1] : Convert.ToHexString(Genesis(_roundId));

    /// <summary>Every run started so far (each <c>start</c> entry begins one), with how it ended. A start that stopped before
    /// the providers agreed drew nothing (<see cref="RunSummary.Drawn"/> false) and does not use up its run number.</summary>
    public IReadOnlyList<RunSummary> Runs
    {
        get
        {
            var runs = new List<RunSummary>();
            int i = 0;
            while (i < _entries.Count)
            {
                int j = i + 1;
                while (j < _entries.Count && _entries[j].Kind != "start")
                {
                    j++;
                }

                List<RunLogEntry> run = _entries.GetRange(i, j - i);
                RunLogEntry first = run[0], last = run[^1];
                bool drawn = run.Any(e => e.Kind == "agreed");
                int attempts = run.Where(e => e.Kind == "attempt").Select(e => e.Attempt ?? 0).DefaultIfEmpty(0).Max();
                string outcome = last.Kind switch
                {
                    "end" when last.PanelCommitment is not null => string.Create(CultureInfo.InvariantCulture, $"completed with a panel at attempt {last.SuccessBits?.Length ?? attempts}"),
                    "end" => string.Create(CultureInfo.InvariantCulture, $"completed without a panel after {last.SuccessBits?.Length ?? attempts} attempts"),
                    "failed" when !drawn => $"stopped before the providers agreed, nothing drawn: {last.Reason}",
                    "failed" => string.Create(CultureInfo.InvariantCulture, $"failed at {last.Time}{(attempts > 0 ? $" in attempt {attempts}" : " before the first attempt")}: {last.Reason}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $"stopped at {last.Time} {(attempts > 0 ? $"in attempt {attempts}" : $"after '{last.Kind}'")} (no end recorded)"),
                };
                runs.Add(new RunSummary(first.Run, first.Time, outcome, last.Kind == "end", drawn));
                i = j;
            }

            return runs;
        }
    }

    /// <summary>The number the next run gets: one more than the last run in which the providers agreed (and so drew a tape).</summary>
    public int NextRun => Runs.Where(r => r.Drawn).Select(r => r.Run).DefaultIfEmpty(0).Max() + 1;

    /// <summary>Opens (or creates, owner-only) the log of <paramref name="round"/> at <paramref name="path"/> and verifies its chain.</summary>
    /// <param name="path">The log file; its directory must exist.</param>
    /// <param name="round">The round.</param>
    /// <returns>The log, ready to append to.</returns>
    /// <exception cref="VerificationException">The log is tampered, truncated mid-line or malformed, or belongs to another round.</exception>
    /// <exception cref="IOException">The file cannot be read or created.</exception>
    public static RunLog Open(string path, RoundDefinition round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return Open(path, round.RoundIdBytes);
    }

    /// <summary>Opens (or creates, owner-only) the log of the round with id <paramref name="roundId"/> at
    /// <paramref name="path"/> and verifies its chain; for hosts that open the log before they build the
    /// <see cref="RoundDefinition"/> (a sign-up intake decides the round's candidates in the same session).</summary>
    /// <param name="path">The log file; its directory must exist.</param>
    /// <param name="roundId">The 16-byte round id.</param>
    /// <returns>The log, ready to append to.</returns>
    /// <exception cref="VerificationException">The log is tampered, truncated mid-line or malformed.</exception>
    /// <exception cref="IOException">The file cannot be read or created.</exception>
    public static RunLog Open(string path, ReadOnlySpan<byte> roundId)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (roundId.Length != 16)
        {
            throw new ArgumentException("A round id has 16 bytes.", nameof(roundId));
        }

        byte[] id = roundId.ToArray();
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile.FileMode;
            }

            using (new FileStream(path, options))
            {
            }

            return new RunLog(path, id, [], []);
        }

        using FileStream stream = File.OpenRead(path);
        RunLog log = Read(stream, id);
        return new RunLog(path, id, log._entries, log._hashes);
    }

    /// <summary>Reads and verifies a log (for an audit); the result cannot be appended to.</summary>
    /// <param name="stream">The log's content.</param>
    /// <param name="roundId">The 16-byte round id it must belong to.</param>
    /// <returns>The verified log.</returns>
    /// <exception cref="VerificationException">The chain is broken (<see cref="VerificationProblem.LogTampered"/>), the
    /// last line is incomplete (<see cref="VerificationProblem.LogTruncated"/>) or a line is not an entry
    /// (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static RunLog Read(Stream stream, ReadOnlySpan<byte> roundId)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (roundId.Length != 16)
        {
            throw new ArgumentException("A round id has 16 bytes.", nameof(roundId));
        }

        using var reader = new StreamReader(stream, new UTF8Encoding(false, true), leaveOpen: true);
        string text;
        try
        {
            text = reader.ReadToEnd();
        }
        catch (DecoderFallbackException)
        {
            throw new VerificationException(VerificationProblem.Malformed, "The run log is not UTF-8 text: it was damaged or is not a run log.");
        }

        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new VerificationException(VerificationProblem.LogTruncated, "The run log's last line is incomplete: the log was cut off (or a write was interrupted).");
        }

        var entries = new List<RunLogEntry>();
        var hashes = new List<string>();
        byte[] previous = Genesis(roundId);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length - 1; i++)
        {
            string line = lines[i];
            int number = i + 1;
            if (line.Length < 66 || line[64] != ' ' || !RunTranscript.IsHex(line[..64], 64))
            {
                throw new VerificationException(VerificationProblem.Malformed, $"Line {number} of the run log is not '<64 hex digits> <entry>'.");
            }

            string body = line[65..];
            string expected = Convert.ToHexString(Chain(previous, body));
            if (!string.Equals(expected, line[..64], StringComparison.Ordinal))
            {
                throw new VerificationException(VerificationProblem.LogTampered, $"The run log's hash chain breaks at line {number}: the entry, or one before it, was edited, inserted, removed or reordered after it was written.");
            }

            RunLogEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(body, RunLogJsonContext.Default.RunLogEntry);
            }
            catch (JsonException)
            {
                entry = null;
            }

            if (entry is null || entry.Seq != number)
            {
                throw new VerificationException(VerificationProblem.Malformed, $"Line {number} of the run log is not entry {number}.");
            }

            entries.Add(entry);
            hashes.Add(line[..64]);
            previous = Convert.FromHexString(line[..64]);
        }

        return new RunLog(null, roundId.ToArray(), entries, hashes);
    }

    /// <summary>Checks that the log contains the entry whose hash is <paramref name="head"/> (from the provider's signed
    /// transcript), so it was not cut short before it.</summary>
    /// <param name="head">64 hex digits.</param>
    /// <exception cref="VerificationException">No entry has that hash (<see cref="VerificationProblem.LogTruncated"/>).</exception>
    public void RequireHead(string head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (!_hashes.Contains(head, StringComparer.Ordinal))
        {
            throw new VerificationException(VerificationProblem.LogTruncated, $"The run log has no entry with hash {head[..Math.Min(16, head.Length)]}…, which its provider's signed transcript names as its head: entries were removed from the end (or it is another provider's log).");
        }
    }

    /// <summary>A sentence about the runs so far, for reports: "run 2 of round X; run 1 (started …) failed at …" (starts
    /// that drew nothing are left out; the log keeps them).</summary>
    /// <param name="run">The run being reported.</param>
    /// <returns>The sentence.</returns>
    public string Describe(int run)
    {
        string s = string.Create(CultureInfo.InvariantCulture, $"run {run} of round {RoundId}");
        foreach (RunSummary r in Runs.Where(r => r.Run != run && r.Drawn))
        {
            s += string.Create(CultureInfo.InvariantCulture, $"; run {r.Run} (started {r.Started}) {r.Outcome}");
        }

        return s;
    }

    /// <summary>Decides the number of the run that starts now, refusing a second run of the round unless
    /// <paramref name="newRun"/> is given (which every provider must give: the agreement compares run numbers). A run that
    /// stopped before the agreement drew nothing: it may be retried without a new run.</summary>
    /// <param name="newRun">Whether the operator asked for a new run of a round that ran before.</param>
    /// <returns>The run number.</returns>
    /// <exception cref="VerificationException">The round ran before and no new run was asked for, or a new run was asked
    /// for but the round never ran here (<see cref="VerificationProblem.RoundAlreadyRun"/>).</exception>
    public int BeginRun(bool newRun)
    {
        RunSummary? last = Runs.LastOrDefault(r => r.Drawn);
        if (last is not null && !newRun)
        {
            throw new VerificationException(VerificationProblem.RoundAlreadyRun, string.Create(CultureInfo.InvariantCulture, $"Round {RoundId} already ran here (run {last.Run}, started {last.Started}, {last.Outcome}). One round, one draw: a new run needs all three providers to ask for it explicitly (node --new-run, or \"newRun\": true in a provider service's select), and it is recorded as run {NextRun}."));
        }

        if (last is null && newRun)
        {
            throw new VerificationException(VerificationProblem.RoundAlreadyRun, $"A new run of round {RoundId} was asked for, but this provider's log has no earlier run of it; leave out --new-run (\"newRun\") for a first run (or use the log of the earlier run).");
        }

        return NextRun;
    }

    /// <summary>Appends an entry (its <see cref="RunLogEntry.Seq"/> and <see cref="RunLogEntry.Time"/> are set here) and
    /// flushes it to disk.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The new head.</returns>
    /// <exception cref="InvalidOperationException">The log was read for an audit, not opened.</exception>
    public string Append(RunLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string path = _path ?? throw new InvalidOperationException("This run log was read for an audit; open it with RunLog.Open to append.");
        var full = new RunLogEntry
        {
            Seq = _entries.Count + 1,
            Time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            Kind = entry.Kind,
            Run = entry.Run,
            NewRun = entry.NewRun,
            Session = entry.Session,
            Commitments = entry.Commitments,
            Attempt = entry.Attempt,
            Contributions = entry.Contributions,
            SuccessBits = entry.SuccessBits,
            PanelCommitment = entry.PanelCommitment,
            Transcript = entry.Transcript,
            Reason = entry.Reason?.ReplaceLineEndings(" "),
        };
        string body = JsonSerializer.Serialize(full, RunLogJsonContext.Default.RunLogEntry);
        string hash = Convert.ToHexString(Chain(Convert.FromHexString(Head), body));
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            stream.Write(Encoding.UTF8.GetBytes(hash + " " + body + "\n"));
            stream.Flush(flushToDisk: true);
        }

        _entries.Add(full);
        _hashes.Add(hash);
        return hash;
    }

    /// <summary>Describes the log without its entries.</summary>
    /// <returns>Round prefix and entry count.</returns>
    public override string ToString() => $"RunLog(round {RoundId[..8]}…, {_entries.Count} entries)";

    private static byte[] Genesis(ReadOnlySpan<byte> roundId)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.run-log.v1"u8);
        hash.AppendData(roundId);
        return hash.GetHashAndReset();
    }

    private static byte[] Chain(byte[] previous, string body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        hash.AppendData(Encoding.UTF8.GetBytes(body));
        return hash.GetHashAndReset();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunLogEntry))]
internal sealed partial class RunLogJsonContext : JsonSerializerContext;
