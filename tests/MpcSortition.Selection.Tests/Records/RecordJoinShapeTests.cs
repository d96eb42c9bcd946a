using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>
/// The join on the shapes a deployment has and the other join tests do not: two band features over two attributes (the
/// second feature's columns at an offset, the first not on attribute 0), more records than one inner-product segment of
/// 256 and not a multiple of it (padded segments), several batches of sign-ups under MPC, statistics to an analyser other
/// than provider 0, and the join's own cost. Every expected value comes from the plaintext join (<see cref="Town.ReferenceJoin"/>)
/// and the records in the clear.
/// </summary>
public sealed class RecordJoinShapeTests
{
    // Children first (attribute 1 of code,name,address,income,children), then income (attribute 0).
    private static readonly AttributeBands Children = AttributeBands.Create("children", "children", [1, 3], [(0, 9), (0, 9), (0, 9), (0, 9)]);
    private static readonly AttributeBands Income = AttributeBands.Create("income", "income band", [20_000, 45_000, 80_000], [(0, 9), (0, 9), (0, 9), (0, 9), (0, 9)]);

    [Theory]
    [InlineData(RecordMatching.CodeThenPersonKey, 2)]
    [InlineData(RecordMatching.PersonKey, 1)]
    [InlineData(RecordMatching.Code, 0)]
    public async Task Two_band_features_over_padded_segments_and_several_batches_give_the_plaintext_join(RecordMatching mode, int analyser)
    {
        // 330 citizens, about 300 with a record (two segments of 256, the second padded), 24 sign-ups, 5 without a code.
        var town = new Town(330, 24, 5, seed: 31, withoutRecordPercent: 9);
        TaxRecords records = town.Records();
        Assert.InRange(records.Count, 257, 511);
        Assert.NotEqual(0, records.Count % 256);
        RecordShares[] parts = records.Share();
        SignupShares[] signups = town.SignupShares();
        AttributeBands[] bands = [Children, Income];

        // ⌊600 / N⌋ = 2 sign-ups per batch: at least three batches for the sign-ups compared under MPC.
        var options = new RecordJoinOptions { Matching = mode, Bands = bands, Analyser = analyser, BatchTests = 600 };
        (RecordJoinResult Result, SessionCost Before, SessionCost After)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            // Something before the join, so that the join's reported cost is not the session's.
            _ = await abb.MultiplyAsync(abb.Public([1u, 2u]), abb.Public([3u, 4u]));
            SessionCost before = abb.Cost;
            RecordJoinResult result = await RecordJoin.JoinAsync(abb, signups[abb.PartyIndex], parts[abb.PartyIndex], options);
            return (result, before, abb.Cost);
        });

        int[] joined = town.ReferenceJoin(records, mode);
        int[] attributeOf = bands.Select(b => records.AttributeNames.ToList().FindIndex(a => string.Equals(a, b.Attribute, StringComparison.OrdinalIgnoreCase))).ToArray();
        Assert.Equal([1, 0], attributeOf);
        int BandOf(int signup, int f) => joined[signup] < 0 ? bands[f].BandCount : bands[f].BandOf(records.ValueOf(joined[signup], attributeOf[f]));

        // The joined columns reconstruct to one-hot rows: per feature its bands then "unknown", the second at an offset.
        int n = town.Signups.Count, width = runs[0].Result.Width;
        Assert.Equal(Children.BandCount + 1 + Income.BandCount + 1, width);
        Assert.All(runs, r => Assert.Equal(width, r.Result.Width));
        for (int j = 0; j < n; j++)
        {
            uint[] row = Enumerable.Range(0, width).Select(c => runs.Aggregate(0u, (s, r) => s + r.Result.Columns.Span[(j * width) + c])).ToArray();
            uint[] expected = new uint[width];
            expected[BandOf(j, 0)] = 1;
            expected[Children.BandCount + 1 + BandOf(j, 1)] = 1;
            Assert.True(expected.SequenceEqual(row), $"{mode}, sign-up {j} (record {joined[j]}): expected [{string.Join(",", expected)}], joined [{string.Join(",", row)}]");
        }

        // Matched by code (public in the code modes), and how many went under MPC.
        bool[] byCode = town.Signups.Select(s => mode != RecordMatching.PersonKey && town.CodeHash(s) is string h && Enumerable.Range(0, records.Count).Count(i => records.CodeHashOf(i) == h) == 1).ToArray();
        Assert.Contains(byCode, b => b == (mode != RecordMatching.PersonKey));
        Assert.All(runs, r => Assert.Equal(byCode, r.Result.MatchedByCode));
        int underMpc = mode switch { RecordMatching.Code => 0, RecordMatching.PersonKey => n, _ => byCode.Count(b => !b) };
        Assert.All(runs, r => Assert.Equal(underMpc, r.Result.MatchedUnderMpc));
        if (mode != RecordMatching.Code)
        {
            Assert.True(underMpc > 2 * Math.Max(1, 600 / records.Count), $"{underMpc} sign-ups under MPC: fewer than three batches");
        }

        // Statistics: only the analyser has them, per feature, equal to the counts in the clear.
        for (int p = 0; p < 3; p++)
        {
            if (p != analyser)
            {
                Assert.Null(runs[p].Result.Statistics);
            }
        }

        IReadOnlyList<BandStatistics> stats = runs[analyser].Result.Statistics!;
        Assert.Equal(["children", "income band"], stats.Select(s => s.Feature.Name));
        for (int f = 0; f < bands.Length; f++)
        {
            int[] invited = new int[bands[f].BandCount];
            for (int i = 0; i < records.Count; i++)
            {
                invited[bands[f].BandOf(records.ValueOf(i, attributeOf[f]))]++;
            }

            Assert.Equal(invited, stats[f].Invited);
            int feature = f;
            Assert.Equal(Enumerable.Range(0, bands[f].BandCount + 1).Select(b => Enumerable.Range(0, n).Count(j => BandOf(j, feature) == b)), stats[f].Signups);
        }

        // The reported cost is the join's: what the session spent between before and after, not since its start.
        Assert.All(runs, r => Assert.Equal(r.After - r.Before, r.Result.Cost));
        Assert.All(runs, r => Assert.True(r.Before.BytesSent > 0 && r.Result.Cost.BytesSent > 0));
    }

    /// <summary>Every record can be matched by code, the first one too (record index 0), in any sign-up order.</summary>
    [Fact]
    public async Task Sign_ups_match_every_record_by_code_the_first_one_too()
    {
        byte[] roundId = new byte[16];
        string c0 = new('a', 64), c1 = new('b', 64);
        ShareVector[] incomes = AdditiveSharing.Split([10_000u, 90_000u], 3);
        RecordShares[] parts = Enumerable.Range(0, 3).Select(p => new RecordShares(p, roundId, ["income"], 2, [c0, c1], default, incomes[p].Values)).ToArray();
        Feature[] features = [new("x", [new FeatureValue("a", 0, 3)])];
        uint[][] rows = ContributorEncoding.ShareRows(features, Enumerable.Range(0, 3).Select(_ => (IReadOnlyList<string>)["a"]));
        var options = new RecordJoinOptions { Bands = [Income] };
        RecordJoinResult[] results = await InProcessParties.RunAsync(abb =>
            RecordJoin.JoinAsync(abb, new SignupShares(["p", "q", "r"], [c1, null, c0], features, rows[abb.PartyIndex]), parts[abb.PartyIndex], options));
        Assert.All(results, r => Assert.Equal([true, false, true], r.MatchedByCode));
        int w = results[0].Width;
        int[] value = Enumerable.Range(0, 3).Select(j => Enumerable.Range(0, w).Single(c => results.Aggregate(0u, (s, r) => s + r.Columns.Span[(j * w) + c]) == 1)).ToArray();
        Assert.Equal([Income.BandOf(90_000), Income.BandCount, Income.BandOf(10_000)], value);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "no bands", "Give at least one band feature" },
        { "analyser -1", "The analyser must be provider 0, 1 or 2." },
        { "analyser 3", "The analyser must be provider 0, 1 or 2." },
        { "batch 0", "BatchTests must be at least 1 (got 0)" },
        { "unknown attribute", "The bands name the attribute 'wealth', which the records do not have (they have income, children)." },
        { "other party's records", "the black box is party" },
        { "records without codes", "Matching by code needs records with code hashes (a 'code' column)." },
    };

    /// <summary>Settings that cannot give a join are refused at every provider before anything is sent, naming what is
    /// wrong; the edges that are allowed (analyser 2, one test per batch) are not refused.</summary>
    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Settings_that_cannot_give_a_join_are_refused_before_anything_is_sent(string what, string message)
    {
        var town = new Town(12, 4, 1, seed: 2, withoutRecordPercent: 0);
        RecordShares[] parts = town.Records().Share();
        SignupShares[] signups = town.SignupShares();
        RecordJoinOptions options = what switch
        {
            "no bands" => new RecordJoinOptions(),
            "analyser -1" => new RecordJoinOptions { Bands = [Income], Analyser = -1 },
            "analyser 3" => new RecordJoinOptions { Bands = [Income], Analyser = 3 },
            "batch 0" => new RecordJoinOptions { Bands = [Income], BatchTests = 0 },
            "unknown attribute" => new RecordJoinOptions { Bands = [AttributeBands.Create("wealth", "wealth", [10], [(0, 4), (0, 4), (0, 4)])] },
            _ => new RecordJoinOptions { Bands = [Income] },
        };
        (Exception? Error, long Sent)[] results = await InProcessParties.RunAsync(async abb =>
        {
            RecordShares mine = what switch
            {
                "other party's records" => parts[(abb.PartyIndex + 1) % 3],
                "records without codes" => RecordJoinTests.ShareRecords(town.RoundId, [1, 2], [10, 20])[abb.PartyIndex],
                _ => parts[abb.PartyIndex],
            };
            long before = abb.Cost.BytesSent;
            Exception? e = await Record.ExceptionAsync(() => RecordJoin.JoinAsync(abb, signups[abb.PartyIndex], mine, options));
            return (Error: (Exception?)e, Sent: abb.Cost.BytesSent - before);
        });
        Assert.All(results, r =>
        {
            ArgumentException e = Assert.IsAssignableFrom<ArgumentException>(r.Error);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
            Assert.Equal(0, r.Sent);
        });
    }

    [Fact]
    public async Task The_allowed_edges_are_not_refused()
    {
        var town = new Town(12, 4, 1, seed: 2, withoutRecordPercent: 0);
        RecordShares[] parts = town.Records().Share();
        SignupShares[] signups = town.SignupShares();
        var options = new RecordJoinOptions { Matching = RecordMatching.PersonKey, Bands = [Income], Analyser = 2, BatchTests = 1 };
        RecordJoinResult[] results = await InProcessParties.RunAsync(abb => RecordJoin.JoinAsync(abb, signups[abb.PartyIndex], parts[abb.PartyIndex], options));
        Assert.NotNull(results[2].Statistics);
        Assert.Null(results[0].Statistics);
        Assert.Equal(4, results[2].Statistics![0].Signups.Sum());
    }

    [Fact]
    public async Task Missing_arguments_are_named()
    {
        var town = new Town(12, 4, 1, seed: 2, withoutRecordPercent: 0);
        RecordShares[] parts = town.Records().Share();
        SignupShares[] signups = town.SignupShares();
        var options = new RecordJoinOptions { Bands = [Income] };
        string[][] names = await InProcessParties.RunAsync(async abb =>
        {
            int p = abb.PartyIndex;
            return new[]
            {
                (await Assert.ThrowsAsync<ArgumentNullException>(() => RecordJoin.JoinAsync(null!, signups[p], parts[p], options))).ParamName!,
                (await Assert.ThrowsAsync<ArgumentNullException>(() => RecordJoin.JoinAsync(abb, null!, parts[p], options))).ParamName!,
                (await Assert.ThrowsAsync<ArgumentNullException>(() => RecordJoin.JoinAsync(abb, signups[p], null!, options))).ParamName!,
                (await Assert.ThrowsAsync<ArgumentNullException>(() => RecordJoin.JoinAsync(abb, signups[p], parts[p], null!))).ParamName!,
            };
        });
        Assert.All(names, n => Assert.Equal(["abb", "signups", "records", "options"], n));
    }
}
