using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Providers;

/// <summary>A peer runs another session than this provider: another round, layout or settings. Nothing secret was used yet.</summary>
public sealed class ProviderMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="party">This provider.</param>
    /// <param name="peer">The provider whose session differs.</param>
    public ProviderMismatchException(int party, int peer)
        : base($"Party {party}: party {peer} runs another session (a different round, feature layout, strategy, attempt limit, analyser, composition setting, kind of tape, engine or number of parallel attempts); every provider must use the same round file and the same settings.")
    {
        Party = party;
        Peer = peer;
    }

    /// <summary>Creates the exception with a specific reason.</summary>
    /// <param name="party">This provider.</param>
    /// <param name="peer">The provider whose session differs.</param>
    /// <param name="reason">What differs, in words.</param>
    public ProviderMismatchException(int party, int peer, string reason)
        : base($"Party {party}: party {peer} runs another session: {reason}")
    {
        Party = party;
        Peer = peer;
    }

    /// <summary>This provider.</summary>
    public int Party { get; }

    /// <summary>The provider whose session differs.</summary>
    public int Peer { get; }
}

/// <summary>
/// The first exchange of a provider run, before any secret is used: every provider sends every peer a SHA-256 digest of
/// what it is about to run (round id, layout hash, strategy, attempt limit, analyser, whether the composition is opened,
/// kind of tape, the round's seed commitment, the engine and the number of parallel attempts) together with its tape commitment, and refuses a peer whose digest
/// differs. The messages go over the transport directly (they are public; not audited openings).
/// </summary>
public static class ProviderAgreement
{
    /// <summary>Size of one agreement message: the 32-byte session digest, the 32-byte tape commitment (zero with a public
    /// tape) and the run number (4 bytes little-endian).</summary>
    public const int MessageSize = 68;

    /// <summary>Exchanges the session digest and tape commitments with both peers.</summary>
    /// <param name="transport">This provider's links (three parties).</param>
    /// <param name="round">The round this provider runs.</param>
    /// <param name="options">The settings that must be equal at every provider.</param>
    /// <param name="tapeCommitment">This provider's 32-byte tape commitment (<see cref="ContributionTape.Commitment"/>), or
    /// empty with a public tape.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>The three tape commitments in party order (all zero with a public tape).</returns>
    /// <exception cref="ProviderMismatchException">A peer runs another session.</exception>
    /// <exception cref="PeerException">A link failed.</exception>
    public static Task<IReadOnlyList<ReadOnlyMemory<byte>>> AgreeAsync(ITransport transport, RoundDefinition round, ProviderRunOptions options, ReadOnlyMemory<byte> tapeCommitment, CancellationToken cancellationToken = default) =>
        AgreeAsync(transport, round, options, tapeCommitment, 1, cancellationToken);

    /// <summary>Exchanges the session digest, tape commitments and run numbers with both peers.</summary>
    /// <param name="transport">This provider's links (three parties).</param>
    /// <param name="round">The round this provider runs.</param>
    /// <param name="options">The settings that must be equal at every provider.</param>
    /// <param name="tapeCommitment">This provider's 32-byte tape commitment, or empty with a public tape.</param>
    /// <param name="run">The run number of this round at this provider (<see cref="Verification.RunLog.BeginRun"/>); 1 without a log.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>The three tape commitments in party order (all zero with a public tape).</returns>
    /// <exception cref="ProviderMismatchException">A peer runs another session (the message says when the run numbers differ).</exception>
    /// <exception cref="PeerException">A link failed.</exception>
    public static async Task<IReadOnlyList<ReadOnlyMemory<byte>>> AgreeAsync(ITransport transport, RoundDefinition round, ProviderRunOptions options, ReadOnlyMemory<byte> tapeCommitment, int run, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(run, 1);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(options);
        if (transport.PartyCount != ProviderRun.Parties)
        {
            throw new ArgumentException($"A provider run has {ProviderRun.Parties} parties; the transport has {transport.PartyCount}.", nameof(transport));
        }

        if (tapeCommitment.Length is not (0 or 32))
        {
            throw new ArgumentException("The tape commitment has 32 bytes (or none with a public tape).", nameof(tapeCommitment));
        }

        int me = transport.PartyIndex;
        byte[] digest = Digest(round, options, publicTape: tapeCommitment.IsEmpty, run);
        byte[] mine = new byte[MessageSize];
        digest.CopyTo(mine, 0);
        tapeCommitment.Span.CopyTo(mine.AsSpan(32));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(mine.AsSpan(64), run);
        var received = new byte[ProviderRun.Parties][];
        var tasks = new List<Task>();
        for (int peer = 0; peer < ProviderRun.Parties; peer++)
        {
            if (peer == me)
            {
                received[peer] = mine;
                continue;
            }

            received[peer] = new byte[MessageSize];
            tasks.Add(transport.SendAsync(peer, mine, cancellationToken).AsTask());
            tasks.Add(transport.ReceiveAsync(peer, received[peer], cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        for (int peer = 0; peer < ProviderRun.Parties; peer++)
        {
            int theirs = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(received[peer].AsSpan(64));
            if (theirs != run)
            {
                throw new ProviderMismatchException(me, peer, string.Create(CultureInfo.InvariantCulture, $"party {peer} is at run {theirs} of round {round.RoundId}, this provider at run {run}. One round, one draw: a round runs again only when all three providers ask for a new run (node --new-run) and their run logs agree; a provider whose log is missing or cut short cannot join."));
            }

            if (!received[peer].AsSpan(0, 32).SequenceEqual(digest))
            {
                throw new ProviderMismatchException(me, peer);
            }
        }

        return received.Select(r => (ReadOnlyMemory<byte>)r.AsMemory(32, 32)).ToArray();
    }

    /// <summary>The number of attempts per batch that <paramref name="options"/> resolve to on <paramref name="round"/>
    /// (<see cref="ProviderRunOptions.ParallelAttempts"/>, 0 = automatic from the public layout): the value the providers agree on.</summary>
    /// <param name="round">The round.</param>
    /// <param name="options">The settings.</param>
    /// <returns>m ≥ 1.</returns>
    public static int ParallelAttempts(RoundDefinition round, ProviderRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(options);
        return Secure.SecureSelector.ResolveParallelAttempts(round.Layout, options.ParallelAttempts, Math.Max(1, options.MaxAttempts));
    }

    /// <summary>The session digest: SHA-256 of the lines "MpcSortition.provider-session.v6", round id, layout hash,
    /// strategy name, attempt limit, analyser, "composition" or "no-composition", "joint-tape" or "public-tape", the
    /// seed commitment (or "-"), the run number, the engine ("beaver" or "replicated") and the resolved number of
    /// parallel attempts, joined by '\n' and encoded as UTF-8.</summary>
    internal static byte[] Digest(RoundDefinition round, ProviderRunOptions options, bool publicTape, int run)
    {
        string description = string.Join(
            '\n',
            "MpcSortition.provider-session.v6",
            round.RoundId,
            round.LayoutHash,
            options.Strategy.Name,
            options.MaxAttempts.ToString(CultureInfo.InvariantCulture),
            options.Analyser.ToString(CultureInfo.InvariantCulture),
            options.RevealComposition ? "composition" : "no-composition",
            publicTape ? "public-tape" : "joint-tape",
            round.SeedCommitment ?? "-",
            run.ToString(CultureInfo.InvariantCulture),
            options.Engine == BlackBoxEngine.Beaver ? "beaver" : "replicated",
            "parallel-attempts=" + ParallelAttempts(round, options).ToString(CultureInfo.InvariantCulture));
        return SHA256.HashData(Encoding.UTF8.GetBytes(description));
    }
}
