using System.Security.Cryptography;
using Microsoft.Playwright;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Page.Tests;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>The test rounds and what a volunteer types.</summary>
internal static class PageRounds
{
    /// <summary>3 questions (2 + 3 + 2 answers, V = 7), contact block 40 + 48 = 88 bytes, k = 6; with
    /// <paramref name="testSeed"/> the round commits to that public test tape (as a test round must, to be selected with it).</summary>
    public static SignupRound Create(DateTimeOffset? deadline = null, byte[]? testSeed = null) => Create(RandomNumberGenerator.GetBytes(16), deadline, testSeed);

    private static SignupRound Create(byte[] id, DateTimeOffset? deadline, byte[]? testSeed) => new(
        id, "Citizens' assembly on transport (test)", deadline ?? Whole(DateTimeOffset.UtcNow.AddHours(1)), 6,
        [
            new SignupFeature("gender", "What is your gender?", [new("f", "Female", 2, 4), new("m", "Male", 2, 4)]),
            new SignupFeature("age", "How old are you?", [new("young", "16 to 34", 1, 3), new("mid", "35 to 59", 1, 3), new("old", "60 or older", 1, 3)]),
            new SignupFeature("area", "Where do you live?", [new("town", "In a town", 2, 4), new("country", "In the countryside", 2, 4)]),
        ],
        [new ContactField("name", "Full name", 40), new ContactField("email", "E-mail address", 48)],
        RandomNumberGenerator.GetBytes(16), "https://signup.example.org/?code={code}",
        testSeed is null ? default : MpcSortition.Selection.Providers.RoundDefinition.CommitSeed(id, testSeed));

    public static DateTimeOffset Whole(DateTimeOffset d) => new(d.UtcDateTime.Ticks - d.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}

/// <summary>Drives the page as a volunteer does.</summary>
internal sealed class Volunteer(IPage page)
{
    public const float Timeout = 20_000;

    public IPage Page { get; } = page;

    /// <summary>Every request the page made (method and URL).</summary>
    public List<(string Method, string Url)> Requests { get; } = [];

    public static async Task<Volunteer> OpenAsync(IBrowser browser, bool bypassCsp = false, ViewportSize? viewport = null)
    {
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true, // the providers' development certificates are self-signed
            BypassCSP = bypassCsp,     // only to inject axe-core
            ViewportSize = viewport ?? new ViewportSize { Width = 1000, Height = 900 },
        });
        context.SetDefaultTimeout(Timeout);
        IPage page = await context.NewPageAsync();
        var v = new Volunteer(page);
        page.Request += (_, r) => { lock (v.Requests) { v.Requests.Add((r.Method, r.Url)); } };
        return v;
    }

    public int Posts(string path)
    {
        lock (Requests)
        {
            return Requests.Count(r => r.Method == "POST" && new Uri(r.Url).AbsolutePath == path);
        }
    }

    public async Task GotoAsync(string url)
    {
        await Page.GotoAsync(url);
        await Page.Locator("#signup, #closed:visible, .problem").First.WaitForAsync();
    }

    /// <summary>Fills the form: answer index per question (null leaves it unanswered) and the contact texts.</summary>
    public async Task FillAsync(SignupRound round, int?[] answers, string[] contact, string? code = null)
    {
        if (code is not null)
        {
            await Page.FillAsync("#code", code);
        }

        for (int f = 0; f < answers.Length; f++)
        {
            if (answers[f] is int a)
            {
                await Page.Locator($"label[for='q{f}-{a}']").ClickAsync();
            }
        }

        for (int i = 0; i < contact.Length; i++)
        {
            await Page.FillAsync($"#c{i}", contact[i]);
        }
    }

    public async Task SendAsync() => await Page.ClickAsync("#send");

    public async Task<string> OutcomeAsync()
    {
        ILocator title = Page.Locator("#outcome:not([aria-busy]) #outcome-title");
        try
        {
            await title.WaitForAsync();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"No outcome shown; the page says: {await Page.InnerTextAsync("main")}", e);
        }

        return (await title.TextContentAsync())!;
    }

    public async Task CloseAsync() => await Page.Context.CloseAsync();
}
