namespace MpcSortition.Selection.Intake;

/// <summary>
/// Why a provider refused a request: a stable machine-readable code (never changes between versions), the HTTP status
/// the service answers with, and a sentence a volunteer understands. Never carries a code, a share or any other secret.
/// </summary>
public sealed class IntakeError
{
    private IntakeError(string code, int status, string message)
    {
        Code = code;
        Status = status;
        Message = message;
    }

    /// <summary>The stable error code, e.g. <c>unknown_code</c>.</summary>
    public string Code { get; }

    /// <summary>The HTTP status the service answers with (4xx).</summary>
    public int Status { get; }

    /// <summary>A sentence for the volunteer.</summary>
    public string Message { get; }

    /// <summary>The body is not JSON of the submission's shape.</summary>
    public static IntakeError Malformed(string what) => new("malformed", 400, $"The form sent something this service cannot read ({what}). Please reload the page and try again.");

    /// <summary>The body is not declared as JSON.</summary>
    public static IntakeError UnsupportedMediaType { get; } = new("unsupported_media_type", 415, "The form must send its data as JSON (Content-Type: application/json).");

    /// <summary>Another format version.</summary>
    public static IntakeError UnsupportedVersion(int got) => new("unsupported_version", 400, $"The form uses format version {got}, but this service reads version {Submission.FormatVersion}. Please reload the page.");

    /// <summary>The submission is for another round.</summary>
    public static IntakeError WrongRound { get; } = new("wrong_round", 400, "This form belongs to another sign-up round. Please open the link from your invitation letter again.");

    /// <summary>The share was meant for another provider.</summary>
    public static IntakeError WrongParty(int expected) => new("wrong_party", 400, $"This part of your answers was sent to the wrong service (this is provider {expected}). Please reload the page and try again.");

    /// <summary>The code is not a well-formed participation code.</summary>
    public static IntakeError InvalidCode { get; } = new("invalid_code", 400, "The participation code is not valid: please check it against your letter (17 characters; the last one is a check character).");

    /// <summary>A well-formed code that was not issued for this round.</summary>
    public static IntakeError UnknownCode { get; } = new("unknown_code", 403, "This participation code was not issued for this sign-up. Please check it against your letter.");

    /// <summary>The submission id is not 32 hex digits.</summary>
    public static IntakeError BadSubmissionId { get; } = new("bad_submission_id", 400, "The form sent an invalid submission number. Please reload the page and try again.");

    /// <summary>The row has the wrong length.</summary>
    public static IntakeError BadRowLength(int expected, int got) => new("bad_row_length", 400, $"The form sent {got} answer values where this sign-up has {expected}. Please reload the page and try again.");

    /// <summary>A row entry is not a whole number 0..4294967295.</summary>
    public static IntakeError BadRowValue { get; } = new("bad_row_value", 400, "The form sent an answer value that is not a whole number between 0 and 4294967295. Please reload the page and try again.");

    /// <summary>The contact share is not base64 of the right length.</summary>
    public static IntakeError BadContactLength(int expected) => new("bad_contact", 400, $"The form sent your contact details in the wrong shape (this sign-up expects {expected} bytes, base64). Please reload the page and try again.");

    /// <summary>The request body is larger than any valid submission.</summary>
    public static IntakeError TooLarge(long limit) => new("too_large", 413, $"The request is larger than this service accepts ({limit} bytes).");

    /// <summary>The deadline has passed.</summary>
    public static IntakeError Closed(DateTimeOffset deadlineUtc) => new("closed", 403, $"Sign-up closed on {deadlineUtc.UtcDateTime:dddd d MMMM yyyy 'at' HH:mm} UTC; nothing can be submitted, changed or withdrawn after that.");

    /// <summary>The same submission id arrived with other content.</summary>
    public static IntakeError SubmissionConflict { get; } = new("submission_conflict", 409, "A submission with this number but different answers is already stored. To change your answers, submit them again from the page (it makes a new number).");

    /// <summary>Withdrawal of a code with nothing stored.</summary>
    public static IntakeError NothingStored { get; } = new("nothing_stored", 404, "Nothing is stored for this participation code at this service.");

    /// <summary>Too many requests from one address.</summary>
    public static IntakeError RateLimited { get; } = new("rate_limited", 429, "Too many requests from your network just now. Please wait a minute and try again.");

    /// <summary>Describes the error (code and status only).</summary>
    /// <returns>e.g. <c>unknown_code (403)</c>.</returns>
    public override string ToString() => $"{Code} ({Status})";
}
