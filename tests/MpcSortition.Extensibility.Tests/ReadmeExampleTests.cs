using System.Text.RegularExpressions;
using MpcSortition.Examples;

namespace MpcSortition.Extensibility.Tests;

/// <summary>
/// Every package README quotes its C# example verbatim from samples/MpcSortition.Examples (between the
/// <c>// &lt;example&gt;</c> markers), and every example runs and gives the result its comments promise.
/// </summary>
public sealed partial class ReadmeExampleTests
{
    public static TheoryData<string, int, string> Quotes => new()
    {
        { "MpcSortition.Core/README.md", 0, "samples/MpcSortition.Examples/CoreExample.cs" },
        { "MpcSortition.Protocols/README.md", 0, "samples/MpcSortition.Examples/ProtocolsExample.cs" },
        { "MpcSortition.Selection/README.md", 0, "samples/MpcSortition.Examples/SelectionExample.cs" },
        { "MpcSortition.Selection/README.md", 1, "samples/MpcSortition.Examples/ProviderExample.cs" },
    };

    [Theory]
    [MemberData(nameof(Quotes))]
    public void The_package_readme_quotes_the_compiled_example_verbatim(string readme, int block, string example)
    {
        string root = RepositoryRoot();
        string quoted = CodeBlock(File.ReadAllText(Path.Combine(root, readme)), readme, block);
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

    [Fact]
    public async Task The_protocols_example_multiplies_and_compares_on_shares()
    {
        (uint[] products, ulong lessThan, long multiplications) = await ProtocolsExample.RunAsync();
        Assert.Equal([15u, 40u, 49u], products);
        Assert.Equal(0b001UL, lessThan);
        Assert.True(multiplications >= 3, $"the engine counted {multiplications} multiplications for a batch of 3");
    }

    [Fact]
    public async Task The_selection_example_gives_the_same_panel_in_the_clear_and_on_shares()
    {
        (string people, string quotas) = Fixture();
        (IReadOnlyList<int> reference, IReadOnlyList<int> secure) = await SelectionExample.RunAsync(people, quotas, 22);
        Assert.Equal(22, reference.Count);
        Assert.Equal(reference.Order(), secure);
    }

    [Fact]
    public async Task The_provider_example_runs_three_providers_from_the_files_it_dealt()
    {
        (string people, string quotas) = Fixture();
        MpcSortition.Selection.SelectionProblem problem = MpcSortition.Selection.SortitionCsv.Read(people, quotas).ToProblem(22);
        string scratch = Directory.CreateTempSubdirectory("mpcsortition-example-test-").FullName;
        try
        {
            IReadOnlyList<string> panel = await ProviderExample.RunAsync(problem, scratch);
            Assert.Equal(22, panel.Count);
            Assert.Equal(22, panel.Distinct().Count());
            int[] indexes = [.. panel.Select(id => problem.Candidates.Select(c => c.Id).ToList().IndexOf(id))];
            Assert.DoesNotContain(-1, indexes);
            Assert.True(problem.IsValidPanel(indexes), "the providers' panel breaks a quota");
            Assert.True(File.Exists(Path.Combine(scratch, "party-2.shares")));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The Sortition Foundation's 150-person fixture (Apache-2.0), as the Selection tests hold it.</summary>
    private static (string People, string Quotas) Fixture()
    {
        string dir = Path.Combine(RepositoryRoot(), "tests", "MpcSortition.Selection.Tests", "Data", "opendlp_selection_fixture_150");
        return (Path.Combine(dir, "candidates.csv"), Path.Combine(dir, "features.csv"));
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

    /// <summary>The <paramref name="index"/>-th ```csharp block of a README, without common indentation.</summary>
    private static string CodeBlock(string markdown, string name, int index)
    {
        MatchCollection blocks = CSharpBlock().Matches(markdown);
        Assert.True(blocks.Count > index, $"{name} has {blocks.Count} ```csharp blocks, expected at least {index + 1}");
        return Normalise(blocks[index].Groups[1].Value);
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
