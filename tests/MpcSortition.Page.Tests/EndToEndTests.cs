using Microsoft.Playwright;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Page.Tests;

/// <summary>
/// End to end: 30 volunteers sign up through the page in chromium; each operator closes the round and starts
/// <c>POST /operator/select</c> at its own provider; the three services reconcile, check the rows, select with the round's
/// committed public test tape and open the panel's contacts to the analyser over their mutual-TLS MPC links; the panel and
/// the contacts equal the plaintext reference on the same answers.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EndToEndTests(BrowserFixture browser)
{
    [Fact]
    public async Task ThirtyVolunteersSignUpInTheBrowserAndTheAnalyserGetsTheReferencePanelAndItsContacts()
    {
        byte[] seed = "page end to end!"u8.ToArray();
        await using Providers providers = await Providers.StartAsync(PageRounds.Create(testSeed: seed), codes: 30, mpc: true);
        SignupRound round = providers.Round;
        Volunteer v = await Volunteer.OpenAsync(browser.Browser);
        var typed = new Dictionary<string, (int[] Answers, string[] Contact)>(StringComparer.Ordinal);
        for (int i = 0; i < 30; i++)
        {
            int[] answers = [i % 2, (i / 2) % 3, (i / 3) % 2];
            string[] contact = [$"Volunteer {i + 1} Ødegård", $"v{i + 1}@example.org"];
            await v.GotoAsync(providers.PageUrl(InvitationCode.Format(providers.Codes[i])));
            await v.FillAsync(round, [.. answers.Select(a => (int?)a)], contact);
            await v.SendAsync();
            Assert.StartsWith("Thank you", await v.OutcomeAsync(), StringComparison.Ordinal);
            typed[providers.Hash(providers.Codes[i])] = (answers, contact);
        }

        Assert.Equal(new[] { 30, 30, 30 }, await providers.CountsAsync());
        DrawOutcome outcome = await DemoDraw.RunAsync(round, providers.Operators, seed); // each provider's own POST /operator/select
        Assert.StartsWith("run 1 of round", outcome.RunHistory, StringComparison.Ordinal);
        Assert.Equal(3, outcome.Signatures!.Length);
        Assert.Equal("evidence-run-1.json", outcome.Evidence);

        // The plaintext reference on the same answers, in the pool's order, with the same public tape.
        Assert.Equal(typed.Keys.Order(StringComparer.Ordinal), outcome.PoolHashes);
        Assert.Empty(outcome.Malformed);
        var problem = new SelectionProblem(round.ToFeatures(),
            outcome.PoolHashes.Select(h => new Candidate(h, typed[h].Answers.Select((a, f) => round.Features[f].Values[a].Name))), round.PanelSize);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);
        string[] referencePanel = [.. reference.Panel.Select(i => outcome.PoolHashes[i])];
        Assert.Equal(round.PanelSize, outcome.PanelHashes.Length);
        Assert.Equal(referencePanel.Order(StringComparer.Ordinal), outcome.PanelHashes.Order(StringComparer.Ordinal));
        for (int j = 0; j < outcome.PanelHashes.Length; j++)
        {
            Assert.Equal(typed[outcome.PanelHashes[j]].Contact, outcome.PanelContacts[j]);
        }

        int[] composition = new int[round.ValueCount];
        foreach (string h in referencePanel)
        {
            int offset = 0;
            for (int f = 0; f < round.Features.Count; f++)
            {
                composition[offset + typed[h].Answers[f]]++;
                offset += round.Features[f].Values.Count;
            }
        }

        Assert.Equal(composition, outcome.Composition);

        // The analyser's report, as a file and as a screenshot.
        string html = DemoDraw.ReportHtml(round, outcome);
        await File.WriteAllTextAsync(Path.Combine(Paths.Artifacts, "analyser-report.html"), html);
        IPage report = await v.Page.Context.NewPageAsync();
        await report.SetContentAsync(html);
        Assert.Equal(round.PanelSize, await report.Locator("h2:text('Panel') + table tbody tr").CountAsync());
        Assert.Contains("The three providers signed their transcripts of this run", await report.ContentAsync(), StringComparison.Ordinal);
        await report.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Paths.Artifacts, "analyser-report.png"), FullPage = true });
        await v.CloseAsync();
    }
}
