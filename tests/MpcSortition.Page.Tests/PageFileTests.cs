using System.Text.RegularExpressions;

namespace MpcSortition.Page.Tests;

/// <summary>The page's files: small, and naming no host of their own (everything else comes from config.json and the round).</summary>
public sealed partial class PageFileTests
{
    [Fact]
    public void ThePageWeighsAtMost100KB()
    {
        long total = Directory.EnumerateFiles(Paths.Page).Sum(f => new FileInfo(f).Length);
        Assert.InRange(total, 1, 100 * 1024);
    }

    [Theory]
    [InlineData("index.html")]
    [InlineData("app.js")]
    [InlineData("sharing.js")]
    [InlineData("style.css")]
    public void NoFileNamesAnotherHost(string file)
    {
        string text = File.ReadAllText(Path.Combine(Paths.Page, file));
        Assert.DoesNotMatch(AbsoluteUrl(), text);
        Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
        Assert.DoesNotContain("eval(", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();
}
