namespace MpcSortition.Selection.Intake;

/// <summary>
/// The volunteer's side in C#: what the sign-up page does in the browser (and what test clients and the load benchmark
/// use). Encodes the answers as a one-hot row and the contact fields as a block, splits both (additively mod 2^32 and by
/// XOR) and returns the three provider messages with one fresh submission id.
/// </summary>
public static class IntakeContribution
{
    /// <summary>Makes the three submission parts of one volunteer's sign-up.</summary>
    /// <param name="round">The round.</param>
    /// <param name="code">The participation code.</param>
    /// <param name="answers">Per question (round order), the index of the chosen answer.</param>
    /// <param name="contact">Per contact field (round order), the text.</param>
    /// <param name="submissionId">The submission id to use (a retry reuses it); null draws a fresh one.</param>
    /// <returns>The parts for providers 0, 1 and 2.</returns>
    /// <exception cref="ArgumentException">Wrong number of answers, an answer out of range, an invalid code, or a contact value that does not fit.</exception>
    public static Submission[] Create(SignupRound round, string code, IReadOnlyList<int> answers, IReadOnlyList<string> contact, string? submissionId = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(answers);
        int[] counts = round.ValueCounts();
        if (answers.Count != counts.Length)
        {
            throw new ArgumentException($"Give {counts.Length} answers, one per question; got {answers.Count}.", nameof(answers));
        }

        for (int f = 0; f < counts.Length; f++)
        {
            if (answers[f] < 0 || answers[f] >= counts[f])
            {
                throw new ArgumentException($"The answer to '{round.Features[f].Name}' must be 0..{counts[f] - 1}.", nameof(answers));
            }
        }

        byte[][] contactShares = ContactBlock.Split(ContactBlock.Encode(round, contact));
        uint[][] rows = Providers.ContributorEncoding.ShareRow(round.ToFeatures(), answers);
        string id = submissionId ?? Submission.NewSubmissionId();
        return [.. Enumerable.Range(0, 3).Select(p => new Submission(round.RoundId, p, code, id, rows[p], contactShares[p]))];
    }
}
