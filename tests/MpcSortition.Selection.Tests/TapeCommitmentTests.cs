using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The joint tape's commitment is what lets the three providers (or an auditor) check, after the draw, that a revealed
/// contribution is the one committed to before it. The library publishes the commitments (<see cref="ProviderAgreement"/>)
/// and the function to recompute one (<see cref="ContributionTape.Commit"/>); it has no reveal step of its own, so the
/// check is: recompute and compare. These tests pin the commitment so that such a check is possible and refuses a
/// provider whose revealed contribution, round or index differs.
/// </summary>
public sealed class TapeCommitmentTests
{
    private static readonly byte[] RoundId = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Contribution = Convert.FromHexString("101112131415161718191a1b1c1d1e1f");

    [Fact]
    public void The_commitment_is_the_labelled_SHA256_of_round_party_and_contribution()
    {
        // ( printf '%s' 'MpcSortition.tape-contribution.v1'; printf '000102030405060708090a0b0c0d0e0f' | xxd -r -p
        //   printf '01000000' | xxd -r -p; printf '101112131415161718191a1b1c1d1e1f' | xxd -r -p ) | sha256sum
        Assert.Equal("F078755C0089458B79447FC5A7C37199F958CBC7BC0190D84DCF1D659583CD1C", Convert.ToHexString(ContributionTape.Commit(RoundId, 1, Contribution)));
    }

    [Fact]
    public void A_revealed_contribution_that_differs_in_any_bit_does_not_match_the_commitment()
    {
        byte[] published = ContributionTape.Commit(RoundId, 1, Contribution);
        for (int bit = 0; bit < 8 * Contribution.Length; bit++)
        {
            byte[] revealed = (byte[])Contribution.Clone();
            revealed[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(published, ContributionTape.Commit(RoundId, 1, revealed));
        }

        // Nor does the right contribution presented for another provider or another round.
        Assert.NotEqual(published, ContributionTape.Commit(RoundId, 0, Contribution));
        Assert.NotEqual(published, ContributionTape.Commit(RoundId, 2, Contribution));
        byte[] otherRound = (byte[])RoundId.Clone();
        otherRound[15] ^= 1;
        Assert.NotEqual(published, ContributionTape.Commit(otherRound, 1, Contribution));
    }

    [Fact]
    public void A_fresh_tape_commits_to_its_own_contribution_and_a_second_tape_draws_another()
    {
        using var first = new ContributionTape(RoundId, 2);
        using var second = new ContributionTape(RoundId, 2); // contributions from the OS: equal with probability 2^-128
        Assert.Equal(first.Commitment.ToArray(), ContributionTape.Commit(RoundId, 2, first.Contribution.Span));
        Assert.NotEqual(first.Contribution.ToArray(), second.Contribution.ToArray());
        Assert.NotEqual(first.Commitment.ToArray(), second.Commitment.ToArray());
        Assert.Equal("ContributionTape", first.ToString());
    }
}
