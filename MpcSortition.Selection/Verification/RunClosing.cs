using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Verification;

/// <summary>
/// The end of a provider run, after the selection: (1) every provider sends every peer its opened tape contribution and,
/// from the analyser, the panel commitment (48 bytes: contribution, zeros with a public tape; commitment, zeros from the
/// others), and checks each peer's contribution against the commitment it published before the draw; (2) every provider
/// builds its <see cref="RunTranscript"/> (message digests taken after step 1), signs it, and sends it to both peers
/// (8 bytes: text and signature lengths, 4 bytes little-endian each; then the text's UTF-8 bytes and the signature).
/// </summary>
internal sealed class RunClosing
{
    private const int OpeningSize = 48;
    private const int MaxText = 1 << 16;
    private const int MaxSignature = 1 << 12;

    internal required int Run { get; init; }

    internal required string History { get; init; }

    internal required IReadOnlyList<SignedTranscript> Transcripts { get; init; }

    internal byte[]? PanelSalt { get; init; }

    internal static async Task<RunClosing> CloseAsync(
        TranscriptTransport transport, RoundDefinition round, ProviderRunOptions options, int run, RunLog? log,
        IReadOnlyList<ReadOnlyMemory<byte>>? commitments, ContributionTape? contribution, IReadOnlyList<int>? panelAtAnalyser, int attempts, bool found, CancellationToken cancellationToken)
    {
        int me = transport.PartyIndex;
        int parties = ProviderRun.Parties;
        byte[]? salt = null;
        string? panelCommitment = null;
        if (panelAtAnalyser is { } panel)
        {
            salt = RandomNumberGenerator.GetBytes(32);
            panelCommitment = RunTranscript.CommitPanel(round.RoundIdBytes, salt, panel.Order().ToArray());
        }

        // (1) Open the contributions; the analyser announces its panel commitment.
        byte[] mine = new byte[OpeningSize];
        contribution?.Contribution.Span.CopyTo(mine);
        if (panelCommitment is not null)
        {
            Convert.FromHexString(panelCommitment).CopyTo(mine, 16);
        }

        byte[][] openings = await ExchangeAsync(transport, mine, cancellationToken).ConfigureAwait(false);
        var contributions = new string?[parties];
        for (int p = 0; p < parties; p++)
        {
            if (commitments is null)
            {
                continue;
            }

            byte[] opened = openings[p].AsSpan(0, 16).ToArray();
            TapeReveal.Check(round.RoundIdBytes, p, commitments[p].Span, opened);
            contributions[p] = Convert.ToHexString(opened);
        }

        if (options.Analyser != me)
        {
            byte[] announced = openings[options.Analyser].AsSpan(16, 32).ToArray();
            panelCommitment = announced.All(b => b == 0) ? null : Convert.ToHexString(announced);
        }

        if (commitments is not null)
        {
            log?.Append(new RunLogEntry { Kind = "opened", Run = run, Contributions = contributions.Select(c => c!).ToArray() });
        }

        // (2) The transcript, signed, to both peers.
        // One bit per attempt: with a panel the last attempt succeeded; without one (every attempt failed at every
        // provider, SecureSelectionFailedException) all are 0 and the transcript is the signed record of a failed run.
        string bits = found ? new string('0', attempts - 1) + "1" : new string('0', attempts);
        var transcript = new RunTranscript
        {
            Party = me,
            RoundId = round.RoundId,
            RoundHash = RunTranscript.HashRound(round),
            Run = run,
            Strategy = options.Strategy.Name,
            MaxAttempts = options.MaxAttempts,
            Analyser = options.Analyser,
            RevealComposition = options.RevealComposition,
            PublicSeed = options.PublicSeed is null ? null : Convert.ToHexString(options.PublicSeed),
            Commitments = Enumerable.Range(0, parties).Select(p => commitments is null ? null : Convert.ToHexString(commitments[p].Span)).ToArray(),
            Contributions = contributions,
            SuccessBits = bits,
            PanelCommitment = panelCommitment,
            LogHead = log?.Head,
            Messages = transport.Digests(),
        };
        SignedTranscript signed = options.SigningCertificate is { } certificate
            ? SignedTranscript.Sign(transcript, certificate)
            : new SignedTranscript(transcript, []);
        byte[] text = Encoding.UTF8.GetBytes(transcript.ToText());
        byte[] sizes = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(sizes, text.Length);
        BinaryPrimitives.WriteInt32LittleEndian(sizes.AsSpan(4), signed.Signature.Length);
        byte[][] theirSizes = await ExchangeAsync(transport, sizes, cancellationToken).ConfigureAwait(false);
        var all = new SignedTranscript[parties];
        all[me] = signed;
        var tasks = new List<Task>();
        var bodies = new byte[parties][];
        byte[] body = [.. text, .. signed.Signature.Span];
        for (int p = 0; p < parties; p++)
        {
            if (p == me)
            {
                continue;
            }

            int textLength = BinaryPrimitives.ReadInt32LittleEndian(theirSizes[p]);
            int signatureLength = BinaryPrimitives.ReadInt32LittleEndian(theirSizes[p].AsSpan(4));
            if (textLength is < 1 or > MaxText || signatureLength is < 0 or > MaxSignature)
            {
                throw new VerificationException(VerificationProblem.Malformed, $"Party {me}: party {p} announced a transcript of {textLength} bytes with a signature of {signatureLength} bytes; at most {MaxText} and {MaxSignature} are accepted.");
            }

            bodies[p] = new byte[textLength + signatureLength];
            tasks.Add(transport.SendAsync(p, body, cancellationToken).AsTask());
            tasks.Add(transport.ReceiveAsync(p, bodies[p], cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        for (int p = 0; p < parties; p++)
        {
            if (p == me)
            {
                continue;
            }

            int textLength = BinaryPrimitives.ReadInt32LittleEndian(theirSizes[p]);
            string theirText;
            try
            {
                theirText = new UTF8Encoding(false, true).GetString(bodies[p], 0, textLength);
            }
            catch (DecoderFallbackException)
            {
                throw new VerificationException(VerificationProblem.Malformed, $"Party {me}: party {p}'s transcript is not UTF-8 text.");
            }

            RunTranscript theirs = RunTranscript.Parse(theirText, $"Party {me}: party {p}'s transcript");
            if (theirs.Party != p)
            {
                throw new VerificationException(VerificationProblem.TranscriptMismatch, $"Party {me}: party {p} sent a transcript that says it is party {theirs.Party}'s.");
            }

            all[p] = new SignedTranscript(theirs, bodies[p].AsSpan(textLength));
        }

        log?.Append(new RunLogEntry { Kind = "end", Run = run, SuccessBits = bits, PanelCommitment = panelCommitment, Transcript = transcript.Digest() });
        return new RunClosing
        {
            Run = run,
            History = log?.Describe(run) ?? string.Create(CultureInfo.InvariantCulture, $"run {run} of round {round.RoundId} (no run log kept)"),
            Transcripts = all,
            PanelSalt = salt,
        };
    }

    /// <summary>Sends <paramref name="mine"/> to both peers and receives a message of the same length from each.</summary>
    private static async Task<byte[][]> ExchangeAsync(ITransport transport, byte[] mine, CancellationToken cancellationToken)
    {
        int me = transport.PartyIndex;
        var received = new byte[transport.PartyCount][];
        var tasks = new List<Task>();
        for (int p = 0; p < transport.PartyCount; p++)
        {
            if (p == me)
            {
                received[p] = mine;
                continue;
            }

            received[p] = new byte[mine.Length];
            tasks.Add(transport.SendAsync(p, mine, cancellationToken).AsTask());
            tasks.Add(transport.ReceiveAsync(p, received[p], cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return received;
    }
}

/// <summary>Checks an opened tape contribution against the commitment its provider published before the draw.</summary>
public static class TapeReveal
{
    /// <summary>Throws unless <paramref name="contribution"/> opens <paramref name="commitment"/>
    /// (<see cref="ContributionTape.Commit"/> of the round id, the party and the contribution).</summary>
    /// <param name="roundId">The 16-byte round id.</param>
    /// <param name="party">The provider that opened it.</param>
    /// <param name="commitment">The 32-byte commitment it published before the draw.</param>
    /// <param name="contribution">The 16-byte contribution it opened.</param>
    /// <exception cref="VerificationException">The contribution does not match (<see cref="VerificationProblem.ContributionMismatch"/>).</exception>
    public static void Check(ReadOnlySpan<byte> roundId, int party, ReadOnlySpan<byte> commitment, ReadOnlySpan<byte> contribution)
    {
        if (contribution.Length != 16 || !CryptographicOperations.FixedTimeEquals(ContributionTape.Commit(roundId, party, contribution), commitment))
        {
            throw new VerificationException(VerificationProblem.ContributionMismatch, $"Provider {party}'s opened tape contribution does not match the commitment it published before the draw ({Convert.ToHexString(commitment[..Math.Min(8, commitment.Length)])}…): it changed its contribution after committing, so the draw it claims is not the one that ran.");
        }
    }
}
