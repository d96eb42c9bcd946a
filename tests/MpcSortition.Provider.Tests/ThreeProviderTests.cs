using System.Net;
using System.Text;
using System.Text.Json;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Provider.Tests;

/// <summary>
/// The whole intake with three providers (in memory), driven over HTTP as the page will: a pool signs up, some correct
/// their answers, some withdraw, some post after the deadline, one page reaches only two providers, two rows are
/// hand-crafted; the round closes and reconciles through the operator endpoints; the exported shares are checked,
/// selected with a public test tape and the panel's contacts opened, here in one process from the exported shares (the
/// service's own <c>POST /operator/select</c> runs these steps between three processes: <see cref="SelectProcessTests"/>).
/// </summary>
public sealed class ThreeProviderTests
{
    [Fact]
    public async Task SignUpCorrectWithdrawCloseReconcileCheckSelectAndOpenContacts()
    {
        SignupRound round = TestRounds.Small();
        var codes = Enumerable.Range(0, 40).Select(_ => InvitationCode.Generate()).ToList();
        var providers = new TestProvider[3];
        for (int p = 0; p < 3; p++)
        {
            providers[p] = await TestProvider.StartAsync(round: round, party: p, codeList: codes);
        }

        try
        {
            var final = new Dictionary<string, (int[] Answers, string[] Contact)>();
            async Task SignUp(int i, int[] answers, bool[]? reach = null, Func<Submission[], Submission[]>? tamper = null)
            {
                string[] contact = [$"P{i}", $"p{i}@example.org"];
                Submission[] parts = IntakeContribution.Create(round, codes[i], answers, contact);
                parts = tamper?.Invoke(parts) ?? parts;
                for (int p = 0; p < 3; p++)
                {
                    if (reach is null || reach[p])
                    {
                        HttpResponseMessage r = await providers[p].SubmitAsync(parts[p]);
                        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
                    }
                }
            }

            for (int i = 0; i < 30; i++)
            {
                int[] a = [i % 2, i % 3, (i / 3) % 2];
                await SignUp(i, a);
                final[codes[i]] = (a, [$"P{i}", $"p{i}@example.org"]);
            }

            // Corrections: the later answers count.
            for (int i = 0; i < 5; i++)
            {
                int[] a = [1 - i % 2, 2, 1];
                await SignUp(i, a);
                final[codes[i]] = (a, [$"P{i}", $"p{i}@example.org"]);
            }

            // Withdrawals at all three providers.
            foreach (int i in new[] { 10, 11 })
            {
                byte[] body = Encoding.UTF8.GetBytes($"{{\"format\":1,\"round\":\"{round.RoundId}\",\"code\":\"{codes[i]}\"}}");
                foreach (TestProvider p in providers)
                {
                    Assert.Equal(HttpStatusCode.OK, (await p.PostAsync("/api/v1/withdrawals", body)).StatusCode);
                }

                final.Remove(codes[i]);
            }

            // A page that reached only providers 0 and 1: dropped at reconciliation.
            await SignUp(30, [0, 0, 0], [true, true, false]);

            // Two hand-crafted rows that bypass the page: an entry 2, and two answers to one question.
            await SignUp(31, [0, 0, 0], tamper: parts => [Shift(round, parts[0], 0, 1), parts[1], parts[2]]);
            await SignUp(32, [0, 0, 0], tamper: parts => [Shift(round, parts[0], 1, 1), parts[1], parts[2]]);
            string[] malformedHashes = [InvitationCode.Hash(round.CodeSalt, codes[31]), InvitationCode.Hash(round.CodeSalt, codes[32])];

            // After the deadline: refused everywhere.
            foreach (TestProvider p in providers)
            {
                p.Now = round.DeadlineUtc.AddMinutes(1);
            }

            Submission late = IntakeContribution.Create(round, codes[33], [0, 0, 0], ["Late", "l@example.org"])[0];
            Assert.Equal("closed", await TestProvider.ErrorCode(await providers[0].SubmitAsync(late)));

            // Close and reconcile through the operator endpoints.
            var histories = new List<string>();
            foreach (TestProvider p in providers)
            {
                Assert.Equal(HttpStatusCode.OK, (await p.PostAsync("/operator/close", [], token: TestProvider.Token)).StatusCode);
                histories.Add(await Get(p, "/operator/history"));
            }

            byte[] reconcileBody = Encoding.UTF8.GetBytes($"{{\"histories\":[{string.Join(",", histories)}]}}");
            var reports = new List<JsonElement>();
            foreach (TestProvider p in providers)
            {
                HttpResponseMessage r = await p.PostAsync("/operator/reconcile", reconcileBody, token: TestProvider.Token);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                reports.Add(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement);
            }

            Assert.All(reports, r => Assert.Equal(reports[0].GetProperty("pool").GetRawText(), r.GetProperty("pool").GetRawText()));
            Assert.Equal(final.Count + 2, reports[0].GetProperty("rows").GetInt32()); // + the two malformed rows
            Assert.Equal(1, reports[0].GetProperty("dropped").GetInt32()); // code 30
            Assert.Equal(5, reports[0].GetProperty("superseded").GetInt32());

            // Each provider's export: its shares of the pool, in pool order.
            var exports = new List<(string[] Hashes, uint[] Rows, byte[][] Contacts)>();
            foreach (TestProvider p in providers)
            {
                using JsonDocument e = JsonDocument.Parse(await Get(p, "/operator/export"));
                var rows = e.RootElement.GetProperty("rows").EnumerateArray().ToArray();
                exports.Add((rows.Select(r => r.GetProperty("codeHash").GetString()!).ToArray(),
                    rows.SelectMany(r => Words(Convert.FromBase64String(r.GetProperty("row").GetString()!))).ToArray(),
                    rows.Select(r => Convert.FromBase64String(r.GetProperty("contact").GetString()!)).ToArray()));
            }

            string[] poolHashes = exports[0].Hashes;
            Assert.All(exports, e => Assert.Equal(poolHashes, e.Hashes));
            int n = poolHashes.Length;

            // Plaintext reference on the final answers of the well-formed rows, in pool order.
            var byHash = final.ToDictionary(kv => InvitationCode.Hash(round.CodeSalt, kv.Key), kv => kv.Value);
            string[] wellFormed = poolHashes.Where(byHash.ContainsKey).ToArray();
            byte[] seed = Encoding.UTF8.GetBytes("three providers!");
            IReadOnlyList<Feature> features = round.ToFeatures();
            var problem = new SelectionProblem(features, wellFormed.Select(h => new Candidate(h, byHash[h].Answers.Select((a, f) => round.Features[f].Values[a].Name))), round.PanelSize);
            SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);

            var results = await InProcessParties.RunAsync(async abb =>
            {
                var mine = exports[abb.PartyIndex];
                bool[] valid = await IntakeChecks.CheckRowsAsync(abb, abb.FromShares(mine.Rows), round.ValueCounts());
                int[] kept = Enumerable.Range(0, n).Where(i => valid[i]).ToArray();
                var layout = new SecureSelectionLayout(kept.Select(i => poolHashes[i]), features, round.PanelSize);
                SecurePool pool = SecurePool.FromShares(abb, layout, kept.SelectMany(i => mine.Rows.AsSpan(i * round.ValueCount, round.ValueCount).ToArray()).ToArray());
                using var tape = new RandomTape(seed);
                SecureSelectionResult selected = await SecureSelector.SelectAsync(abb, pool, new SecureLegacyGreedy(), new SecureSelectionOptions { Tape = new PublicTape(tape) });
                BitShareVector contacts = IntakeChecks.ContactShares(abb, kept.Select(i => mine.Contacts[i]).ToArray(), round.ContactBlockLength);
                byte[][]? blocks = await IntakeChecks.OpenPanelContactsAsync(abb, contacts, kept.Length, selected.Panel, round.ContactBlockLength);
                return (valid, kept, selected.Panel, blocks);
            });

            (bool[] valid, int[] kept, IReadOnlyList<int>? panel, byte[][]? blocks) = results[0];
            Assert.Equal(malformedHashes.Order(), Enumerable.Range(0, n).Where(i => !valid[i]).Select(i => poolHashes[i]).Order());
            Assert.Equal(wellFormed, kept.Select(i => poolHashes[i]));
            Assert.Equal(reference.Panel.Select(i => wellFormed[i]).Order(), panel!.Select(j => poolHashes[kept[j]]).Order());
            for (int j = 0; j < kept.Length; j++)
            {
                string[] decoded = ContactBlock.Decode(round, blocks![j]);
                Assert.Equal(panel!.Contains(j) ? byHash[poolHashes[kept[j]]].Contact : ["", ""], decoded);
            }

            Assert.Null(results[1].blocks);
            Assert.Null(results[2].blocks);
        }
        finally
        {
            foreach (TestProvider p in providers)
            {
                await p.DisposeAsync();
            }
        }
    }

    private static Submission Shift(SignupRound round, Submission s, int entry, uint add)
    {
        uint[] row = s.Row.ToArray();
        row[entry] += add;
        return new Submission(s.RoundId, s.Party, s.Code, s.SubmissionId, row, s.Contact);
    }

    private static uint[] Words(byte[] bytes) =>
        Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToUInt32(bytes, 4 * i)).ToArray();

    private static async Task<string> Get(TestProvider p, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", TestProvider.Token);
        HttpResponseMessage r = await p.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return await r.Content.ReadAsStringAsync();
    }
}
