using Microsoft.Playwright;

namespace MpcSortition.Tests.Shared;

/// <summary>
/// One headless Debian chromium (<c>/usr/bin/chromium</c>, launched by path: Playwright's own browser download is
/// never used), shared by the sign-up page's and the ballot page's browser tests (compiled into both test projects,
/// which reference Microsoft.Playwright; the other test projects do not compile this folder).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where the Debian package puts chromium.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal IBrowser Browser { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does this).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            Timeout = 60_000,
        });
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}
