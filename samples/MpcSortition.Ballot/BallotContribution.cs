using System.Security.Cryptography;

namespace MpcSortition.Ballot;

/// <summary>
/// The voter's side in C# (what the page's <c>ballot.js</c> does): the one-hot ballot split into three additive shares
/// mod 2^32 (shares 1 and 2 uniform, share 0 = x − s1 − s2), a 256-bit nonce and a commitment per share, and the three
/// parts: counter i gets shares i and i − 1.
/// </summary>
internal static class BallotContribution
{
    /// <summary>The three parts of a ballot for option <paramref name="option"/>.</summary>
    public static BallotPart[] Create(BallotRound round, string code, int option, string? submissionId = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(option);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(option, round.M);
        var x = new uint[round.M];
        x[option] = 1;
        return CreateRaw(round, code, x, submissionId);
    }

    /// <summary>The three parts of any vector (tests use it for ballots that are not one-hot: a page does not send those).</summary>
    public static BallotPart[] CreateRaw(BallotRound round, string code, uint[] ballot, string? submissionId = null)
    {
        if (ballot.Length != round.M)
        {
            throw new ArgumentException($"A ballot of this round has {round.M} entries.", nameof(ballot));
        }

        var shares = new uint[3][];
        shares[1] = Random(ballot.Length);
        shares[2] = Random(ballot.Length);
        shares[0] = new uint[ballot.Length];
        for (int k = 0; k < ballot.Length; k++)
        {
            shares[0][k] = unchecked(ballot[k] - shares[1][k] - shares[2][k]);
        }

        byte[][] nonces = [RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32)];
        string[] commitments = [.. Enumerable.Range(0, 3).Select(j => ShareCommitment.ToHex(ShareCommitment.Commit(shares[j], nonces[j])))];
        string sub = submissionId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return [.. Enumerable.Range(0, 3).Select(i =>
        {
            int prev = (i + 2) % 3;
            return new BallotPart(round.RoundId, i, code, sub, new ShareColumn(i, shares[i], nonces[i]), new ShareColumn(prev, shares[prev], nonces[prev]), commitments);
        })];
    }

    private static uint[] Random(int n)
    {
        var b = RandomNumberGenerator.GetBytes(4 * n);
        return BallotPart.SharesFromBytes(b);
    }
}
