using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>Design 2 end to end at three in-process providers: the tax office's records joined to the sign-ups (by code
/// and under MPC), income bands as a feature with quotas, the statistics to the analyser, and the panel against the
/// plaintext reference on the joined data with the same public tape.</summary>
public sealed class RecordJoinTests
{
    private static readonly byte[] Seed = "design-2 tape!!!"u8.ToArray();

    internal static AttributeBands IncomeBands(int k) => AttributeBands.Create("income", "income band", [20_000, 45_000, 80_000], [(1, k / 2), (1, k / 2), (1, k / 2), (1, k / 2), (0, k)]);

    public static TheoryData<RecordMatching> Modes => [RecordMatching.Code, RecordMatching.CodeThenPersonKey, RecordMatching.PersonKey];

    [Fact]
    public async Task TheGeneratedTownGivesTheReferencePanelInBothMatchingModes()
    {
        // 5 000 citizens (about 3 % without a tax record), 400 sign-ups of which 60 without a code; k = 20.
        var town = new Town(5000, 400, 60, seed: 13);
        TaxRecords records = town.Records();
        RecordShares[] parts = records.Share();
        SignupShares[] signups = town.SignupShares();
        Assert.True(records.Count < 5000);
        foreach (RecordMatching mode in new[] { RecordMatching.Code, RecordMatching.PersonKey })
        {
            await CheckAgainstReferenceAsync(town, records, parts, signups, mode, k: 20);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task ASmallTownMatchesTheReferenceInEveryMode(RecordMatching mode)
    {
        var town = new Town(240, 60, 9, seed: 5, withoutRecordPercent: 8);
        TaxRecords records = town.Records();
        await CheckAgainstReferenceAsync(town, records, records.Share(), town.SignupShares(), mode, k: 20);
    }

    [Fact]
    public async Task TheBeaverEngineGivesTheSameJoin()
    {
        var town = new Town(120, 40, 6, seed: 7, withoutRecordPercent: 10);
        TaxRecords records = town.Records();
        await CheckAgainstReferenceAsync(town, records, records.Share(), town.SignupShares(), RecordMatching.CodeThenPersonKey, k: 20, BlackBoxEngine.Beaver);
    }

    private static async Task CheckAgainstReferenceAsync(Town town, TaxRecords records, RecordShares[] parts, SignupShares[] signups, RecordMatching mode, int k, BlackBoxEngine engine = BlackBoxEngine.Replicated)
    {
        AttributeBands bands = IncomeBands(k);
        var join = new RecordJoinOptions { Matching = mode, Bands = [bands], BatchTests = 1 << 16 };
        var results = await town.SelectAsync(parts, signups, join, k, Seed, engine);

        int[] joined = town.ReferenceJoin(records, mode);
        Assert.Contains(joined, i => i >= 0);
        Assert.Contains(joined, i => i < 0);
        if (mode != RecordMatching.Code)
        {
            // Every respelling in the town (case, accents, spaces, "12a" / "12 A" / "12-A") normalises to the tax office's key.
            Assert.Equal(town.Signups.Select(s => town.Citizens[s.Citizen].HasRecord), joined.Select(i => i >= 0));
        }

        SelectionProblem problem = town.ReferenceProblem(records, joined, [bands], k);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), Seed);

        RecordSelectionResult analyser = results[0].Result;
        Assert.Equal(reference.Panel.Select(i => problem.Candidates[i].Id).Order(), analyser.Run.PanelIds!.Order());
        Assert.Equal(reference.Attempts, analyser.Run.Attempts);
        Assert.Null(results[1].Result.Run.PanelIds);
        Assert.Null(results[2].Result.Run.PanelIds);

        // The joined columns reconstruct to the reference's band rows (unknown for no match).
        int n = town.Signups.Count, w = analyser.Join.Width;
        for (int j = 0; j < n; j++)
        {
            int expected = joined[j] < 0 ? bands.BandCount : bands.BandOf(records.ValueOf(joined[j], 0));
            for (int c = 0; c < w; c++)
            {
                uint value = 0;
                foreach (var r in results)
                {
                    value += r.Result.Join.Columns.Span[(j * w) + c];
                }

                Assert.Equal(c == expected ? 1u : 0u, value);
            }
        }

        // Statistics: only at the analyser, equal to the plaintext counts.
        BandStatistics stats = Assert.Single(analyser.Join.Statistics!);
        int[] invited = new int[bands.BandCount];
        for (int i = 0; i < records.Count; i++)
        {
            invited[bands.BandOf(records.ValueOf(i, 0))]++;
        }

        Assert.Equal(invited, stats.Invited);
        Assert.Equal(Enumerable.Range(0, bands.BandCount + 1).Select(b => joined.Count(i => (i < 0 ? bands.BandCount : bands.BandOf(records.ValueOf(i, 0))) == b)), stats.Signups);
        Assert.Null(results[1].Result.Join.Statistics);
        Assert.Null(results[2].Result.Join.Statistics);
        if (mode == RecordMatching.Code)
        {
            Assert.True(stats.Signups[^1] >= town.Signups.Count(s => s.Code is null));
        }

        // The audit trail: masked openings (Beaver's products, the selection's declared uniform re-sharings), the success
        // bits to all, and to the analyser exactly the two statistics and the panel.
        string[] masked = [SemiHonestBlackBox.BeaverOpenLabel, SemiHonestBlackBox.AndOpenLabel, .. SecureSelector.MaskedLabels];
        foreach (var r in results)
        {
            Assert.All(r.Audit.Where(e => e.Recipient is null), e => Assert.Contains(e.Label, masked.Append(SecureSelector.SuccessLabel).Append(SecureSelector.FirstSuccessLabel)));
            Assert.Equal([RecordJoin.InvitedCountsLabel, RecordJoin.SignupCountsLabel, SecureSelector.PanelLabel], r.Audit.Where(e => e.Recipient is not null).Select(e => e.Label));
            Assert.All(r.Audit.Where(e => e.Recipient is not null), e => Assert.Equal(0, e.Recipient));
        }
    }

    [Theory]
    [InlineData(RecordMatching.PersonKey)]
    [InlineData(RecordMatching.Code)]
    public async Task TracesAreIdenticalForTwoTownsWithTheSamePublicSizes(RecordMatching mode)
    {
        // Two different towns: same number of records, sign-ups and (for the code mode) sign-ups matched by code.
        var a = new Town(150, 30, 5, seed: 21, withoutRecordPercent: 0);
        var b = new Town(150, 30, 5, seed: 22, withoutRecordPercent: 0);
        var join = new RecordJoinOptions { Matching = mode, Bands = [IncomeBands(20)], BatchTests = 1 << 12 };
        var ra = await a.SelectAsync(a.Records().Share(), a.SignupShares(), join, 20, Seed);
        var rb = await b.SelectAsync(b.Records().Share(), b.SignupShares(), join, 20, Seed);
        for (int p = 0; p < 3; p++)
        {
            Assert.NotEmpty(ra[p].JoinTrace);
            Assert.Equal(ra[p].JoinTrace, rb[p].JoinTrace);
            var joinAudit = ra[p].Audit.TakeWhile(e => e.Label is not (SecureSelector.SuccessLabel or SecureSelector.FirstSuccessLabel)).Select(e => (e.Label, e.Length, e.Recipient));
            Assert.Equal(joinAudit, rb[p].Audit.TakeWhile(e => e.Label is not (SecureSelector.SuccessLabel or SecureSelector.FirstSuccessLabel)).Select(e => (e.Label, e.Length, e.Recipient)));
        }
    }

    [Fact]
    public async Task NoMatchAndSeveralMatchesAreBothUnknownUnderMpc()
    {
        // Records built directly (the CSV refuses duplicates): keys 7, 7, 9; sign-ups with keys 7 (two records), 9 (one), 5 (none).
        byte[] roundId = new byte[16];
        ulong[] recordKeys = [7, 7, 9];
        uint[] incomes = [10_000, 90_000, 50_000];
        RecordShares[] parts = ShareRecords(roundId, recordKeys, incomes);
        ulong[] signupKeys = [7, 9, 5];
        Feature[] features = [new("x", [new FeatureValue("a", 0, 3)])];
        uint[][] rows = ContributorEncoding.ShareRows(features, signupKeys.Select(_ => (IReadOnlyList<string>)["a"]));
        uint[][] keys = SplitKeys(signupKeys);
        AttributeBands bands = IncomeBands(3);
        var join = new RecordJoinOptions { Matching = RecordMatching.PersonKey, Bands = [bands] };
        RecordJoinResult[] results = await InProcessParties.RunAsync(abb =>
            RecordJoin.JoinAsync(abb, new SignupShares(["p", "q", "r"], [null, null, null], features, rows[abb.PartyIndex], keys[abb.PartyIndex]), parts[abb.PartyIndex], join));
        int w = results[0].Width;
        int[] value = Enumerable.Range(0, 3).Select(j => Enumerable.Range(0, w).Single(c => results.Sum(r => (long)r.Columns.Span[(j * w) + c]) % (1L << 32) == 1)).ToArray();
        Assert.Equal([bands.BandCount, bands.BandOf(50_000), bands.BandCount], value);
        Assert.Equal(3, results[0].MatchedUnderMpc);
    }

    [Fact]
    public async Task ACodeHeldByTwoRecordsMatchesNothing()
    {
        // Shares built without the CSV reader (which refuses duplicates): codes c0, c0, c1; sign-ups with c0, c1 and no code.
        byte[] roundId = new byte[16];
        string c0 = new('a', 64), c1 = new('b', 64);
        Core.ShareVector[] incomes = Core.AdditiveSharing.Split([10_000u, 90_000u, 50_000u], 3);
        RecordShares[] parts = Enumerable.Range(0, 3).Select(p => new RecordShares(p, roundId, ["income"], 3, [c0, c0, c1], default, incomes[p].Values)).ToArray();
        Feature[] features = [new("x", [new FeatureValue("a", 0, 3)])];
        uint[][] rows = ContributorEncoding.ShareRows(features, Enumerable.Range(0, 3).Select(_ => (IReadOnlyList<string>)["a"]));
        AttributeBands bands = IncomeBands(3);
        var join = new RecordJoinOptions { Bands = [bands] };
        RecordJoinResult[] results = await InProcessParties.RunAsync(abb =>
            RecordJoin.JoinAsync(abb, new SignupShares(["p", "q", "r"], [c0, c1, null], features, rows[abb.PartyIndex]), parts[abb.PartyIndex], join));
        int w = results[0].Width;
        int[] value = Enumerable.Range(0, 3).Select(j => Enumerable.Range(0, w).Single(c => results.Sum(r => (long)r.Columns.Span[(j * w) + c]) % (1L << 32) == 1)).ToArray();
        Assert.Equal([bands.BandCount, bands.BandOf(50_000), bands.BandCount], value);
        Assert.Equal([false, true, false], results[0].MatchedByCode);
        Assert.Equal(0, results[0].MatchedUnderMpc);
    }

    [Fact]
    public async Task AProviderWithOtherRecordsIsRefusedBeforeTheJoin()
    {
        var town = new Town(40, 10, 2, seed: 3, withoutRecordPercent: 0);
        RecordShares[] parts = town.Records().Share();
        RecordShares[] other = new Town(41, 10, 2, seed: 4, withoutRecordPercent: 0) { }.Records().Share();
        parts[2] = new RecordShares(2, town.RoundId, other[2].AttributeNames, other[2].Count, other[2].CodeHashes, other[2].PersonKeyShares.Span, other[2].AttributeShares.Span);
        var join = new RecordJoinOptions { Bands = [IncomeBands(4)] };
        Exception? e = await Record.ExceptionAsync(() => town.SelectAsync(parts, town.SignupShares(), join, 4, Seed));
        var mismatch = Assert.IsType<ProviderMismatchException>(e);
        Assert.Contains("other records", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MatchingUnderMpcNeedsPersonKeysOnBothSides()
    {
        var town = new Town(30, 8, 1, seed: 9, withoutRecordPercent: 0);
        string csv = string.Join('\n', town.RecordsCsv().Split('\n').Select(l => string.Join(',', SplitCsv(l).Where((_, i) => i is 0 or 3 or 4))));
        RecordShares[] parts = TaxRecords.Parse(new StringReader(csv), "codes-only.csv", town.RoundId, town.Salt).Share();
        var join = new RecordJoinOptions { Matching = RecordMatching.PersonKey, Bands = [IncomeBands(4)] };
        SignupShares[] signups = town.SignupShares();
        Exception?[] errors = await InProcessParties.RunAsync(async abb => await Record.ExceptionAsync(() => RecordJoin.JoinAsync(abb, signups[abb.PartyIndex], parts[abb.PartyIndex], join)));
        Assert.All(errors, e => Assert.Contains("person keys on both sides", Assert.IsType<ArgumentException>(e).Message, StringComparison.Ordinal));
    }

    private static IEnumerable<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                field.Append(c);
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    internal static RecordShares[] ShareRecords(byte[] roundId, ulong[] keys, uint[] incomes)
    {
        uint[][] k = SplitKeys(keys);
        Core.ShareVector[] a = Core.AdditiveSharing.Split(incomes, 3);
        return Enumerable.Range(0, 3).Select(p => new RecordShares(p, roundId, ["income"], keys.Length, null, k[p], a[p].Values)).ToArray();
    }

    internal static uint[][] SplitKeys(ulong[] keys)
    {
        uint[] words = keys.SelectMany(key => new[] { (uint)(key >> 32), (uint)key }).ToArray();
        return Core.AdditiveSharing.Split(words, 3).Select(s => s.Values.ToArray()).ToArray();
    }
}
