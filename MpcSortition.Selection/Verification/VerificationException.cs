namespace MpcSortition.Selection.Verification;

/// <summary>What a verification found wrong.</summary>
public enum VerificationProblem
{
    /// <summary>A round that already ran is started again without a new run agreed by all three providers, or a new run is
    /// asked for where there is no earlier run.</summary>
    RoundAlreadyRun,

    /// <summary>A run log's hash chain is broken: an entry was edited, inserted, removed or reordered.</summary>
    LogTampered,

    /// <summary>A run log is shorter than a signed transcript says it was (entries were cut off the end), or its last line is incomplete.</summary>
    LogTruncated,

    /// <summary>A file (log, transcript, evidence, receipt) is not in the expected format.</summary>
    Malformed,

    /// <summary>An opened tape contribution does not match the commitment its provider published before the draw.</summary>
    ContributionMismatch,

    /// <summary>A signature does not verify with the pinned certificate of the provider it claims to be from.</summary>
    BadSignature,

    /// <summary>The providers' signed transcripts disagree: on a message one sent and the other received, or on a value
    /// that every provider saw (round, run, settings, commitments, contributions, attempts, panel commitment).</summary>
    TranscriptMismatch,

    /// <summary>The panel does not match the panel commitment, or the replay selects another panel.</summary>
    PanelMismatch,

    /// <summary>A receipt's submission is not under the published root.</summary>
    NotUnderRoot,
}

/// <summary>A verification failed. The message names what is wrong and where, never a secret (no share, no unopened
/// contribution, no key).</summary>
public sealed class VerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <param name="message">The explanation, in words.</param>
    public VerificationException(VerificationProblem problem, string message)
        : base(message)
    {
        Problem = problem;
    }

    /// <summary>What is wrong.</summary>
    public VerificationProblem Problem { get; }
}
