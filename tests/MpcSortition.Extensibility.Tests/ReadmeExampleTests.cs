using System.Text.RegularExpressions;
using MpcSortition.Examples;

namespace MpcSortition.Extensibility.Tests;

/// <summary>
/// Every package README quotes its C# example verbatim from samples/MpcSortition.Examples (between the
/// <c>// &lt;example&gt;</c> markers), and every example runs and gives the result its comments promise.
/// </summary>
public sealed partial class ReadmeExampleTests
{
    public static TheoryData<string, string> Quotes => new()
    {
        { "MpcSortition.Core/README.md", "samples/MpcSortition.Examples/CoreExample.cs" },
    };

    [Theory]
    [MemberData(nameof(Quotes))]
    public void The_package_readme_quotes_the_compiled_example_verbatim(string readme, string example)
    {
        string root = RepositoryRoot();
        string quoted = CodeBlock(File.ReadAllText(Path.Combine(root, readme)), readme);
        string source = ExampleRegion(File.ReadAllText(Path.Combine(root, example)), example);
        Assert.Equal(source, quoted);
    }

    [Fact]
    public void The_core_example_reconstructs_what_its_comments_say()
    {
        (uint[] sum, uint[] affine) = CoreExample.Run();
        Assert.Equal([6u, 9u, 45u], sum);
        Assert.Equal([16u, 22u, 127u], affine);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MpcSortition.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MpcSortition.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The first ```csharp block of a README, without common indentation.</summary>
    private static string CodeBlock(string markdown, string name)
    {
        Match m = CSharpBlock().Match(markdown);
        Assert.True(m.Success, $"{name} has no ```csharp block");
        return Normalise(m.Groups[1].Value);
    }

    /// <summary>The lines between // &lt;example&gt; and // &lt;/example&gt;, without common indentation.</summary>
    private static string ExampleRegion(string source, string name)
    {
        Match m = ExampleMarkers().Match(source);
        Assert.True(m.Success, $"{name} has no // <example> region");
        return Normalise(m.Groups[1].Value);
    }

    private static string Normalise(string block)
    {
        string[] lines = block.Replace("\r\n", "\n").Trim('\n').Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"// <example>[^\n]*\n(.*?)\n[ \t]*// </example>", RegexOptions.Singleline)]
    private static partial Regex ExampleMarkers();
}
