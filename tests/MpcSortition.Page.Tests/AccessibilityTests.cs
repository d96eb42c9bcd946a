using System.Text.Json;
using Microsoft.Playwright;

namespace MpcSortition.Page.Tests;

/// <summary>
/// axe-core 4.14.1 (from the npm registry, vendored unmodified under MPL-2.0 as axe/axe.min.js) injected into the page in
/// every state a volunteer sees, at the WCAG 2.0/2.1 A and AA tags: no violation. And the page reflows at 200 % zoom and
/// at 320 CSS pixels without horizontal scrolling.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser)
{
    private static readonly string Axe = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js"));

    [Fact]
    public async Task AxeFindsNoWcag21AaViolationInAnyState()
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser, bypassCsp: true);
        await v.GotoAsync(providers.PageUrl(providers.Codes[0]));
        var report = new List<string>();
        await Check(v, "empty form", report);

        await v.FillAsync(providers.Round, [0, null, 1], ["", "nope"]);
        await v.SendAsync();
        await v.Page.Locator("#summary h2").WaitForAsync();
        await Check(v, "form with errors", report);

        await v.FillAsync(providers.Round, [0, 1, 1], ["Ann Example", "ann@example.org"]);
        await v.SendAsync();
        await v.OutcomeAsync();
        await Check(v, "receipt", report);

        await providers.StopAsync(1);
        await v.Page.ClickAsync("#change");
        await v.SendAsync();
        await v.Page.Locator("#retry").WaitForAsync();
        await Check(v, "provider down", report);

        providers.Now = providers.Round.DeadlineUtc.AddMinutes(1);
        await v.GotoAsync(providers.PageUrl());
        await Check(v, "closed", report);
        File.WriteAllText(Path.Combine(Paths.Artifacts, "axe-report.txt"), string.Join('\n', report) + "\n");
        Assert.All(report, line => Assert.EndsWith(": 0 violations", line, StringComparison.Ordinal));
        await v.CloseAsync();
    }

    [Theory]
    [InlineData(640, 450)] // 200 % zoom of a 1280×900 window
    [InlineData(320, 640)] // WCAG 1.4.10 reflow width
    public async Task ReflowsWithoutHorizontalScrolling(int width, int height)
    {
        await using Providers providers = await Providers.StartAsync(PageRounds.Create());
        Volunteer v = await Volunteer.OpenAsync(browser.Browser, viewport: new ViewportSize { Width = width, Height = height });
        await v.GotoAsync(providers.PageUrl(providers.Codes[0]));
        await v.SendAsync(); // with errors shown: the longest state of the form
        await v.Page.Locator("#summary h2").WaitForAsync();
        Assert.True(await v.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the page scrolls sideways");
        await v.FillAsync(providers.Round, [1, 1, 0], ["Ann Example", "ann@example.org"]);
        await v.SendAsync();
        await v.OutcomeAsync();
        Assert.True(await v.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the receipt scrolls sideways");
        if (width == 640)
        {
            await v.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Paths.Artifacts, "signup-receipt-200-percent.png"), FullPage = true });
        }

        await v.CloseAsync();
    }

    private static async Task Check(Volunteer v, string state, List<string> report)
    {
        if (!await v.Page.EvaluateAsync<bool>("typeof window.axe !== 'undefined'"))
        {
            await v.Page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = Axe });
        }

        JsonElement result = await v.Page.EvaluateAsync<JsonElement>(
            "async () => { const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });" +
            " return { passes: r.passes.length, violations: r.violations.map(x => x.id + ' (' + x.impact + '): ' + x.help + ' at ' + x.nodes.map(n => n.target.join(' ')).join(', ')) }; }");
        string[] violations = [.. result.GetProperty("violations").EnumerateArray().Select(x => x.GetString()!)];
        Assert.True(result.GetProperty("passes").GetInt32() > 5, "axe ran too few checks");
        int passes = result.GetProperty("passes").GetInt32();
        report.Add($"{state} ({passes} rules passed){(violations.Length == 0 ? "" : " " + string.Join("; ", violations))}: {violations.Length} violations");
    }
}
