using MpcSortition.Core;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>The contributor's encoding that the sign-up page and the tax office mirror.</summary>
public sealed class ProviderContributorEncodingTests
{
    private static readonly IReadOnlyList<Feature> Features = ProviderTestData.Problem().Features;

    [Fact]
    public void The_one_hot_row_follows_feature_then_value_order()
    {
        // gender: f, m | age: young, middle, old | region: north, south
        Assert.Equal([0u, 1, 0, 0, 1, 1, 0], ContributorEncoding.OneHotRow(Features, ["m", "old", "north"]));
        Assert.Equal([1u, 0, 1, 0, 0, 0, 1], ContributorEncoding.OneHotRow(Features, [" F ", "YOUNG", "South"]));
    }

    [Fact]
    public void The_three_share_rows_add_up_to_the_one_hot_row_and_look_random()
    {
        uint[][] rows = ContributorEncoding.ShareRow(Features, ["f", "middle", "south"]);
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal(7, r.Length));
        uint[] sum = Enumerable.Range(0, 7).Select(i => unchecked(rows[0][i] + rows[1][i] + rows[2][i])).ToArray();
        Assert.Equal([1u, 0, 0, 1, 0, 0, 1], sum);

        // Two encodings of the same answers share nothing (fresh randomness), and no single row is the plain row.
        uint[][] again = ContributorEncoding.ShareRow(Features, ["f", "middle", "south"]);
        Assert.NotEqual(rows[1], again[1]);
        Assert.All(rows, r => Assert.Contains(r, x => x > 1));
    }

    [Fact]
    public void A_batch_is_the_rows_one_after_the_other_as_the_share_file_holds_them()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        uint[][] shares = ContributorEncoding.ShareRows(problem.Features, problem.Candidates.Select(c => c.Values));
        Assert.Equal(AdditiveSharing.Reconstruct([new ShareVector(0, shares[0]), new ShareVector(1, shares[1]), new ShareVector(2, shares[2])]), SecurePool.OneHotRows(problem));
    }

    [Fact]
    public void A_wrong_answer_names_the_feature_and_the_person_but_not_the_answer()
    {
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => ContributorEncoding.ShareRows(Features, [["f", "young", "north"], ["m", "secret-age-value", "north"]]));
        Assert.Contains("Person 1", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("'age'", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-age-value", unknown.Message, StringComparison.Ordinal);

        ArgumentException count = Assert.Throws<ArgumentException>(() => ContributorEncoding.OneHotRow(Features, ["f", "young"]));
        Assert.Contains("2 answers; the round has 3 features", count.Message, StringComparison.Ordinal);
    }
}
