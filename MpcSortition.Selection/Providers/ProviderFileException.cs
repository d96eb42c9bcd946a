namespace MpcSortition.Selection.Providers;

/// <summary>What is wrong with a round or share file that a provider refused.</summary>
public enum ProviderFileProblem
{
    /// <summary>The content is not a round or share file of this format (bad JSON, no magic, a missing or null field, an impossible value).</summary>
    Malformed,

    /// <summary>The file has another format version.</summary>
    UnsupportedVersion,

    /// <summary>The share file holds the shares of another party (or of a session with another number of parties).</summary>
    OtherParty,

    /// <summary>The share file was dealt for another feature layout (n, V or layout hash differ).</summary>
    OtherLayout,

    /// <summary>The share file belongs to another round (same layout, other round id): for example a stale file of an earlier deal.</summary>
    OtherRound,

    /// <summary>The share file is truncated or padded.</summary>
    WrongLength,

    /// <summary>The share file's SHA-256 checksum does not match its content (corrupted).</summary>
    ChecksumMismatch,

    /// <summary>The round file's content (ids, features, quotas, k, addresses) does not match its layout hash: it was edited after dealing.</summary>
    LayoutHashMismatch,

    /// <summary>A public test seed was given that the round file does not commit to (or the round file holds no commitment).</summary>
    SeedCommitmentMismatch,

    /// <summary>The layout exceeds what the secure selector supports (too many candidates or values, or quotas too large).</summary>
    OutOfBounds,
}

/// <summary>
/// A round or share file that a provider must not use. The message says what is wrong in words (never the path, which
/// the host adds, and never a share or any other secret).
/// </summary>
public sealed class ProviderFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <param name="message">A sentence naming the problem; must not contain a share.</param>
    public ProviderFileException(ProviderFileProblem problem, string message)
        : base(message)
    {
        Problem = problem;
    }

    /// <summary>Creates the exception with the exception that revealed the problem.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <param name="message">A sentence naming the problem; must not contain a share.</param>
    /// <param name="innerException">The cause (for example a <see cref="System.Text.Json.JsonException"/>).</param>
    public ProviderFileException(ProviderFileProblem problem, string message, Exception? innerException)
        : base(message, innerException)
    {
        Problem = problem;
    }

    /// <summary>What is wrong with the file.</summary>
    public ProviderFileProblem Problem { get; }
}
