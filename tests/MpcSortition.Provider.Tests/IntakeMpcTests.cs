using System.Text;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Provider.Tests;

/// <summary>The intake's MPC steps at three in-memory providers (dealer-free triples), with audit-trail assertions.</summary>
public sealed class IntakeMpcTests
{
    private static readonly SignupRound Round = TestRounds.Small();

    private static readonly string[] Allowed = [SemiHonestBlackBox.BeaverOpenLabel, SemiHonestBlackBox.AndOpenLabel, .. SecureSelector.MaskedLabels];

    /// <summary>Plain rows (V = 7: features of 2, 3, 2 values); the malformed ones bypass the page.</summary>
    private static (uint[][] Rows, bool[] Expected) Rows()
    {
        var rows = new List<(uint[], bool)>
        {
            ([1, 0, 0, 1, 0, 0, 1], true),
            ([0, 1, 1, 0, 0, 1, 0], true),
            ([2, 0, 0, 1, 0, 0, 1], false), // an entry 2 (and the feature's sum is 2)
            ([1, 1, 0, 1, 0, 0, 1], false), // two answers to one question
            ([0, 0, 0, 1, 0, 0, 1], false), // no answer to a question
            ([uint.MaxValue, 2, 0, 1, 0, 0, 1], false), // sum is 1 but entries are not 0/1
            ([1, 0, 1u << 31, 1, 0, 0, 1], false), // 2^31: x(x-1) is 2^31, not 0
            ([1, 0, 0, 0, 1, 1, 0], true),
            ([1, 0, 1u << 16, 0, 0, 0, 1], false), // sum is not 1; x(x-1) = 2^32 - 2^16
            ([0, 1, 0, 0, 1, 0, 1], true),
        };
        return (rows.Select(r => r.Item1).ToArray(), rows.Select(r => r.Item2).ToArray());
    }

    private static ShareVector[] ShareRows(uint[][] rows) => AdditiveSharing.Split(rows.SelectMany(r => r).ToArray(), 3);

    [Fact]
    public async Task WellFormednessFlagsExactlyTheMalformedRowsAndOpensOnlyTheValidityBits()
    {
        (uint[][] rows, bool[] expected) = Rows();
        ShareVector[] shares = ShareRows(rows);
        var results = await InProcessParties.RunAsync(async abb =>
        {
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(shares[abb.PartyIndex].Values), Round.ValueCounts());
            return (valid, abb.Audit.Entries.ToArray());
        });

        foreach ((bool[] valid, AuditEntry[] audit) in results)
        {
            Assert.Equal(expected, valid);
            Assert.All(audit, e => Assert.True(e.Label == IntakeChecks.ValidityLabel || Allowed.Contains(e.Label), $"unexpected opening '{e.Label}'"));
            AuditEntry opened = Assert.Single(audit, e => e.Label == IntakeChecks.ValidityLabel);
            Assert.Equal(rows.Length, opened.Length);
            Assert.Null(opened.Recipient);
        }
    }

    [Fact]
    public async Task WellFormednessTraceDoesNotDependOnTheRows()
    {
        (uint[][] rows, _) = Rows();
        uint[][] other = rows.Select(_ => new uint[] { 0, 1, 0, 1, 0, 1, 0 }).ToArray();
        async Task<string[]> Trace(uint[][] r)
        {
            ShareVector[] shares = ShareRows(r);
            var audits = await InProcessParties.RunAsync(async abb =>
            {
                await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(shares[abb.PartyIndex].Values), Round.ValueCounts());
                return abb.Audit.Entries.Select(e => $"{e.Label}/{e.Length}/{e.Recipient}/{e.Round}").ToArray();
            });
            return audits[1];
        }

        Assert.Equal(await Trace(rows), await Trace(other));
    }

    [Fact]
    public async Task CheckedPoolSelectsLikeTheReferenceAndOnlyTheAnalyserGetsOnlyThePanelsContacts()
    {
        // A pool of 24 sign-ups through the contributor function, plus two hand-crafted rows that bypass the page.
        int n = 24;
        var answers = Enumerable.Range(0, n).Select(i => new[] { i % 2, i % 3, (i / 2) % 2 }).ToArray();
        var contacts = Enumerable.Range(0, n).Select(i => new[] { $"Person {i}", $"p{i}@example.org" }).ToArray();
        var parts = Enumerable.Range(0, n).Select(i => IntakeContribution.Create(Round, InvitationCode.Generate(), answers[i], contacts[i])).ToList();
        var bad = IntakeContribution.Create(Round, InvitationCode.Generate(), [0, 0, 0], ["Mallory", "m@example.org"]);
        uint[][] badRows = bad.Select(p => p.Row.ToArray()).ToArray();
        badRows[0][0] += 1; // the plain row now has 2 at entry 0
        var partsAll = parts.Append(bad).ToList();
        int total = partsAll.Count;
        uint[][] rowShares = Enumerable.Range(0, 3).Select(p => partsAll.SelectMany((s, i) => i == n ? badRows[p] : s[p].Row.ToArray()).ToArray()).ToArray();
        byte[][][] contactShares = Enumerable.Range(0, 3).Select(p => partsAll.Select(s => s[p].Contact.ToArray()).ToArray()).ToArray();

        // The plaintext reference on the well-formed people, with the same public seed.
        byte[] seed = Encoding.UTF8.GetBytes("intake test tape");
        IReadOnlyList<Feature> features = Round.ToFeatures();
        var problem = new SelectionProblem(features, Enumerable.Range(0, n).Select(i => new Candidate($"c{i}", answers[i].Select((a, f) => Round.Features[f].Values[a].Name))), Round.PanelSize);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);

        var results = await InProcessParties.RunAsync(async abb =>
        {
            int me = abb.PartyIndex;
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(rowShares[me]), Round.ValueCounts());
            int[] kept = Enumerable.Range(0, total).Where(i => valid[i]).ToArray();
            uint[] keptShares = kept.SelectMany(i => rowShares[me].AsSpan(i * Round.ValueCount, Round.ValueCount).ToArray()).ToArray();
            var layout = new SecureSelectionLayout(kept.Select(i => $"c{i}"), features, Round.PanelSize);
            SecurePool pool = SecurePool.FromShares(abb, layout, keptShares);
            using var tape = new RandomTape(seed);
            SecureSelectionResult selected = await SecureSelector.SelectAsync(abb, pool, new SecureLegacyGreedy(), new SecureSelectionOptions { Tape = new PublicTape(tape) });
            BitShareVector contactBits = IntakeChecks.ContactShares(abb, kept.Select(i => contactShares[me][i]).ToArray(), Round.ContactBlockLength);
            byte[][]? blocks = await IntakeChecks.OpenPanelContactsAsync(abb, contactBits, kept.Length, selected.Panel, Round.ContactBlockLength);
            return (valid, kept, selected.Panel, blocks, abb.Audit.Entries.ToArray());
        });

        Assert.All(results, r => Assert.Equal(Enumerable.Range(0, total).Select(i => i < n), r.valid));
        var analyser = results[0];
        Assert.Equal(reference.Panel.Order(), analyser.Panel!.Order());
        Assert.NotNull(analyser.blocks);
        for (int j = 0; j < analyser.kept.Length; j++)
        {
            string[] decoded = ContactBlock.Decode(Round, analyser.blocks![j]);
            if (analyser.Panel!.Contains(j))
            {
                Assert.Equal(contacts[analyser.kept[j]], decoded);
            }
            else
            {
                Assert.All(analyser.blocks[j], b => Assert.Equal(0, b));
            }
        }

        for (int p = 1; p < 3; p++)
        {
            Assert.Null(results[p].blocks);
            Assert.Null(results[p].Panel);
        }

        foreach (var r in results)
        {
            AuditEntry contactsOpening = Assert.Single(r.Item5, e => e.Label == IntakeChecks.ContactsLabel);
            Assert.Equal(0, contactsOpening.Recipient);
            Assert.Equal(n * Round.ContactBlockLength * 8, contactsOpening.Length);
            Assert.All(r.Item5.Where(e => e.Recipient is null), e => Assert.Contains(e.Label, new[] { IntakeChecks.ValidityLabel, SecureSelector.SuccessLabel, SecureSelector.FirstSuccessLabel }.Concat(Allowed)));
            Assert.All(r.Item5.Where(e => e.Recipient is not null), e => Assert.Equal(0, e.Recipient));
        }
    }

    [Fact]
    public async Task ProviderRunInASessionKeepsThePanelSharedForTheContactOpening()
    {
        // Twelve sign-ups and one hand-crafted row; one session per provider runs check, provider run and contact opening.
        int n = 12;
        var answers = Enumerable.Range(0, n).Select(i => new[] { (i + 1) % 2, (i * 2) % 3, (i / 3) % 2 }).ToArray();
        var contacts = Enumerable.Range(0, n).Select(i => new[] { $"Member {i}", $"m{i}@example.org" }).ToArray();
        var parts = Enumerable.Range(0, n).Select(i => IntakeContribution.Create(Round, InvitationCode.Generate(), answers[i], contacts[i])).ToList();
        Submission[] bad = IntakeContribution.Create(Round, InvitationCode.Generate(), [1, 1, 1], ["Mallory", "m@example.org"]);
        bad[2] = new Submission(bad[2].RoundId, 2, bad[2].Code, bad[2].SubmissionId, bad[2].Row.ToArray().Select((x, j) => j == 2 ? x + 1 : x).ToArray(), bad[2].Contact);
        parts.Insert(5, bad);
        int total = parts.Count;
        byte[] roundId = Convert.FromHexString(Round.RoundId);
        byte[] seed = Encoding.UTF8.GetBytes("in-session tape!");
        IReadOnlyList<Feature> features = Round.ToFeatures();
        string[] ids = Enumerable.Range(0, total).Select(i => $"row{i}").ToArray();
        int[] good = Enumerable.Range(0, total).Where(i => i != 5).ToArray();
        var problem = new SelectionProblem(features, good.Select(i => new Candidate(ids[i], answers[i < 5 ? i : i - 1].Select((a, f) => Round.Features[f].Values[a].Name))), Round.PanelSize);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);

        ITransport[] transports = InMemoryNetwork.Create(3);
        var results = await Task.WhenAll(transports.Select(plain => Task.Run(async () =>
        {
            var t = new Selection.Verification.TranscriptTransport(plain);
            int me = t.PartyIndex;
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(t);
            uint[] rows = parts.SelectMany(s => s[me].Row.ToArray()).ToArray();
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(rows), Round.ValueCounts());
            int[] kept = Enumerable.Range(0, total).Where(i => valid[i]).ToArray();
            var round = Selection.Providers.RoundDefinition.ForPool(roundId, kept.Select(i => ids[i]), features, Round.PanelSize, Selection.Providers.RoundDefinition.CommitSeed(roundId, seed));
            uint[] keptRows = kept.SelectMany(i => rows.AsSpan(i * Round.ValueCount, Round.ValueCount).ToArray()).ToArray();
            Selection.Providers.ProviderRunResult run = await Selection.Providers.ProviderRun.RunInSessionAsync(t, abb, round, keptRows, new Selection.Providers.ProviderRunOptions { PublicSeed = seed });
            Assert.NotNull(run.SharedPanel);
            BitShareVector contactBits = IntakeChecks.ContactShares(abb, kept.Select(i => parts[i][me].Contact.ToArray()).ToArray(), Round.ContactBlockLength);
            byte[][]? blocks = await IntakeChecks.OpenPanelContactsAsync(abb, contactBits, run.SharedPanel!, Round.ContactBlockLength);
            return (valid, kept, run.PanelIds, blocks, abb.Audit.Entries.ToArray());
        })));

        Assert.All(results, r => Assert.Equal(Enumerable.Range(0, total).Select(i => i != 5), r.valid));
        var analyser = results[0];
        Assert.Equal(reference.Panel.Select(i => ids[good[i]]).Order(), analyser.PanelIds!.Order());
        for (int j = 0; j < analyser.kept.Length; j++)
        {
            int person = analyser.kept[j] < 5 ? analyser.kept[j] : analyser.kept[j] - 1;
            if (analyser.PanelIds!.Contains(ids[analyser.kept[j]]))
            {
                Assert.Equal(contacts[person], ContactBlock.Decode(Round, analyser.blocks![j]));
            }
            else
            {
                Assert.All(analyser.blocks![j], b => Assert.Equal(0, b));
            }
        }

        Assert.Null(results[1].blocks);
        Assert.Null(results[2].blocks);
        Assert.Null(results[1].PanelIds);
        foreach (var r in results)
        {
            // Openings: masked values, the validity bits and success bits to all; the panel and the contacts to the analyser.
            Assert.All(r.Item5.Where(e => e.Recipient is null), e => Assert.Contains(e.Label, new[] { IntakeChecks.ValidityLabel, SecureSelector.SuccessLabel, SecureSelector.FirstSuccessLabel }.Concat(Allowed)));
            Assert.Equal([SecureSelector.PanelLabel, IntakeChecks.ContactsLabel], r.Item5.Where(e => e.Recipient is not null).Select(e => e.Label));
            Assert.All(r.Item5.Where(e => e.Recipient is not null), e => Assert.Equal(0, e.Recipient));
        }
    }

    [Fact]
    public async Task ProviderRunInASessionRefusesAPeerWithAnotherPool()
    {
        byte[] roundId = Convert.FromHexString(Round.RoundId);
        IReadOnlyList<Feature> features = Round.ToFeatures();
        ITransport[] transports = InMemoryNetwork.Create(3);
        var outcomes = await Task.WhenAll(transports.Select(plain => Task.Run(async () =>
        {
            var t = new Selection.Verification.TranscriptTransport(plain);
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(t);
            string[] ids = t.PartyIndex == 2 ? ["a", "b", "c", "x"] : ["a", "b", "c", "d"];
            var round = Selection.Providers.RoundDefinition.ForPool(roundId, ids, features, Round.PanelSize);
            uint[] rows = new uint[ids.Length * Round.ValueCount];
            return await Record.ExceptionAsync(() => Selection.Providers.ProviderRun.RunInSessionAsync(t, abb, round, rows));
        })));

        Assert.All(outcomes, e => Assert.IsType<Selection.Providers.ProviderMismatchException>(e));
        Assert.Contains("party 2 runs another session", outcomes[0]!.Message);
    }
}
