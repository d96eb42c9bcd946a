namespace MpcSortition.Ballot;

/// <summary>Every refusal of the ballot intake: a stable code, the HTTP status and a message for a voter. Nothing is stored when one is returned.</summary>
internal sealed record BallotError(string Code, int Status, string Message)
{
    public static BallotError Malformed(string what) => new("malformed", 400, $"The ballot page sent something this service cannot read ({what}). Please reload the page and vote again.");

    public static readonly BallotError UnsupportedMediaType = new("unsupported_media_type", 415, "The ballot page must send its data as JSON (Content-Type: application/json).");

    public static BallotError UnsupportedVersion(int got) => new("unsupported_version", 400, $"The ballot page uses format version {got}, but this service reads version 1. Please reload the page.");

    public static readonly BallotError WrongRound = new("wrong_round", 400, "This ballot belongs to another vote. Please open the link from your voting letter again.");

    public static BallotError WrongParty(int expected) => new("wrong_party", 400, $"This part of your ballot was sent to the wrong counter (this is counter {expected}). Please reload the page and vote again.");

    public static readonly BallotError InvalidCode = new("invalid_code", 400, "The voter code is not valid: please check it against your letter (17 characters; the last one is a check character).");

    public static readonly BallotError UnknownCode = new("unknown_code", 403, "This voter code was not issued for this vote. Please check it against your letter.");

    public static readonly BallotError BadSubmissionId = new("bad_submission_id", 400, "The ballot page sent an invalid ballot number. Please reload the page and vote again.");

    public static BallotError BadColumns(int party) => new("bad_columns", 400, $"The ballot page sent the wrong parts of your ballot to counter {party} (it needs parts {party} and {(party + 2) % 3}). Please reload the page and vote again.");

    public static BallotError BadShareLength(int m, int got) => new("bad_share_length", 400, $"The ballot page sent {got} values for a question with {m} options. Please reload the page and vote again.");

    public static readonly BallotError BadShareValue = new("bad_share_value", 400, "The ballot page sent a value that is not a whole number between 0 and 4294967295. Please reload the page and vote again.");

    public static readonly BallotError BadNonce = new("bad_nonce", 400, "The ballot page sent a check value of the wrong shape (64 hex digits expected). Please reload the page and vote again.");

    public static readonly BallotError BadCommitment = new("bad_commitment", 400, "The ballot page sent check values that do not match the parts of your ballot it sent here. Please reload the page and vote again.");

    public static BallotError TooLarge(long limit) => new("too_large", 413, $"The request is larger than this service accepts ({limit} bytes).");

    public static BallotError Closed(DateTimeOffset deadline) => new("closed", 403, $"Voting closed on {deadline.UtcDateTime:dddd d MMMM yyyy 'at' HH:mm} UTC; no ballot can be cast, changed or withdrawn after that.");

    public static readonly BallotError Conflict = new("submission_conflict", 409, "A ballot with this number but different content is already stored. To change your vote, vote again from the page (it makes a new number).");

    public static readonly BallotError NothingStored = new("nothing_stored", 404, "No ballot is stored for this voter code at this counter.");

    public static readonly BallotError RateLimited = new("rate_limited", 429, "Too many requests from your network just now. Please wait a minute and try again.");

    public static readonly BallotError NotReady = new("not_ready", 503, "This counter is still checking with the other two that all three count the same vote. Please try again in a minute.");

    public override string ToString() => $"{Code} ({Status})";
}
