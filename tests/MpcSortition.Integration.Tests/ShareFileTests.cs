using System.Text;
using System.Text.Json.Nodes;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>Certificates and three deals of the fixture, made once for the share-file tests.</summary>
public sealed class DealtRounds : IAsyncLifetime
{
    internal Scenario Scenario { get; } = Scenario.Create();

    /// <summary>The same pool and k as <see cref="Scenario.Deal"/>, dealt again: same layout, another round.</summary>
    internal string OtherRound => Path.Combine(Scenario.Directory, "deal-again");

    /// <summary>The same pool with k = 21: another layout.</summary>
    internal string OtherLayout => Path.Combine(Scenario.Directory, "deal-k21");

    public async Task InitializeAsync()
    {
        await Scenario.PrepareAsync(testSeed: null);
        await Scenario.DealAsync(OtherRound, Scenario.PanelSize, null);
        await Scenario.DealAsync(OtherLayout, Scenario.PanelSize - 1, null);
    }

    public Task DisposeAsync()
    {
        Scenario.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>What a provider's share file shows (nothing about the features), and which files a node refuses.</summary>
public sealed class ShareFileTests(DealtRounds rounds) : IClassFixture<DealtRounds>
{
    private const int HeaderSize = 128;
    private const int TrailerSize = 32;

    // Chi-square with 255 degrees of freedom: mean 255, standard deviation 22.6; 400 is exceeded by chance with
    // probability below 1e-8, while a file that carried the one-hot bits would be off by orders of magnitude.
    private const double ChiSquareLimit = 400;

    public static TheoryData<string> BadFiles => ["wrong length", "another round", "another layout", "another party", "corrupted", "edited round file", "not a share file"];

    [Fact]
    public async Task One_providers_share_file_is_uniform_bytes_whatever_the_pool()
    {
        using Scenario scenario = Scenario.Create();
        const int n = 800;
        string quotas = Path.Combine(scenario.Directory, "quotas.csv");
        File.WriteAllText(quotas, "feature,value,min,max\n" + string.Concat(Enumerable.Range(0, 4).Select(v => $"a,a{v},0,5\n")) + string.Concat(Enumerable.Range(0, 6).Select(v => $"b,b{v},0,5\n")));

        // Pool A: everybody has the first value of each feature. Pool B: values cycle through all of them.
        string poolA = Path.Combine(scenario.Directory, "a.csv"), poolB = Path.Combine(scenario.Directory, "b.csv");
        File.WriteAllText(poolA, "id,a,b\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"p{i},a0,b0\n")));
        File.WriteAllText(poolB, "id,a,b\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"p{i},a{i % 4},b{(i * 7) % 6}\n")));
        await scenario.DealAsync(Path.Combine(scenario.Directory, "deal-a"), 5, null, poolA, quotas, addressColumns: null);
        await scenario.DealAsync(Path.Combine(scenario.Directory, "deal-b"), 5, null, poolB, quotas, addressColumns: null);

        for (int p = 0; p < 3; p++)
        {
            long[] a = ByteHistogram(Body(Path.Combine(scenario.Directory, "deal-a", $"party-{p}.shares")));
            long[] b = ByteHistogram(Body(Path.Combine(scenario.Directory, "deal-b", $"party-{p}.shares")));
            Assert.Equal(4L * n * 10, a.Sum());
            Assert.True(UniformChiSquare(a) < ChiSquareLimit, $"party {p}, pool A: chi-square {UniformChiSquare(a):F0}");
            Assert.True(UniformChiSquare(b) < ChiSquareLimit, $"party {p}, pool B: chi-square {UniformChiSquare(b):F0}");

            // The two pools' files are indistinguishable byte-wise (two-sample test of homogeneity).
            double homogeneity = Enumerable.Range(0, 256).Sum(i => a[i] + b[i] == 0 ? 0 : (double)(a[i] - b[i]) * (a[i] - b[i]) / (a[i] + b[i]));
            Assert.True(homogeneity < ChiSquareLimit, $"party {p}: homogeneity chi-square {homogeneity:F0}");
        }

        // The test has power: the plaintext one-hot matrix of pool B fails it by far.
        byte[] plain = new byte[4 * n * 10];
        for (int i = 0; i < n; i++)
        {
            plain[4 * ((i * 10) + (i % 4))] = 1;
            plain[4 * ((i * 10) + 4 + ((i * 7) % 6))] = 1;
        }

        Assert.True(UniformChiSquare(ByteHistogram(plain)) > 100 * ChiSquareLimit);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_node_refuses_a_malformed_or_mismatched_share_file_naming_the_problem(string problem)
    {
        Scenario s = rounds.Scenario;
        string bad = Path.Combine(s.Directory, "bad-" + problem.Replace(' ', '-'));
        Directory.CreateDirectory(bad);
        string round = Path.Combine(s.Deal, "round.json");
        string shares = Path.Combine(s.Deal, "party-1.shares");
        string expected;
        switch (problem)
        {
            case "wrong length":
                shares = Path.Combine(bad, "party-1.shares");
                byte[] all = File.ReadAllBytes(Path.Combine(s.Deal, "party-1.shares"));
                File.WriteAllBytes(shares, all[..^4]);
                expected = "a share file for n = 150 and V = 20 has";
                break;
            case "another round":
                shares = Path.Combine(rounds.OtherRound, "party-1.shares");
                expected = "holds shares of round";
                break;
            case "another layout":
                round = Path.Combine(rounds.OtherLayout, "round.json");
                expected = "was dealt for another feature layout";
                break;
            case "another party":
                shares = Path.Combine(s.Deal, "party-0.shares");
                expected = "holds the shares of party 0";
                break;
            case "corrupted":
                shares = Path.Combine(bad, "party-1.shares");
                byte[] bytes = File.ReadAllBytes(Path.Combine(s.Deal, "party-1.shares"));
                bytes[HeaderSize + 1000] ^= 0x40;
                File.WriteAllBytes(shares, bytes);
                expected = "checksum";
                break;
            case "edited round file":
                round = Path.Combine(bad, "round.json");
                JsonNode json = JsonNode.Parse(File.ReadAllText(Path.Combine(s.Deal, "round.json")))!;
                json["features"]![0]!["values"]![0]!["max"] = 13; // loosen one quota after dealing
                File.WriteAllText(round, json.ToJsonString());
                expected = "does not match its layout hash";
                break;
            default:
                shares = Path.Combine(bad, "party-1.shares");
                File.WriteAllText(shares, "id,gender\np1,Female\n", Encoding.UTF8);
                expected = "is not a share file";
                break;
        }

        var run = await CliProcess.RunAsync(s.NodeArguments(1, Scenario.FreeEndpoints(), null, 10, round: round, shares: shares), Scenario.Bound);
        Assert.True(run.Code == 2, $"exit {run.Code}: {run.Error}");
        Assert.Contains("party 1", run.Error, StringComparison.Ordinal);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("connected", run.Error, StringComparison.Ordinal);
    }

    private static byte[] Body(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal("MPCSHR01", Encoding.ASCII.GetString(file, 0, 8));
        return file[HeaderSize..^TrailerSize];
    }

    private static long[] ByteHistogram(byte[] bytes)
    {
        var histogram = new long[256];
        foreach (byte b in bytes)
        {
            histogram[b]++;
        }

        return histogram;
    }

    private static double UniformChiSquare(long[] histogram)
    {
        double expected = histogram.Sum() / 256.0;
        return histogram.Sum(c => (c - expected) * (c - expected) / expected);
    }
}
