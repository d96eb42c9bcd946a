using System.Globalization;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>A temporary directory with certificates and a dealt round of the 150-person fixture, and the node command lines.</summary>
internal sealed class Scenario : IDisposable
{
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    internal const int PanelSize = 22;

    internal const string AddressColumns = "primary_address1,primary_zip";

    private Scenario(string directory) => Directory = directory;

    internal string Directory { get; }

    internal string Certs => Path.Combine(Directory, "certs");

    internal string Deal => Path.Combine(Directory, "deal");

    /// <summary>The fixture as the reference sees it (k = 22, same-address exclusion).</summary>
    internal static SelectionProblem Problem { get; } = SortitionCsv
        .Read(Repository.People, Repository.Quotas, new SortitionCsvOptions { AddressColumns = AddressColumns.Split(',') })
        .ToProblem(PanelSize);

    internal static Scenario Create() => new(System.IO.Directory.CreateTempSubdirectory("mpcsortition-it-").FullName);

    /// <summary>Writes certificates (the <c>certs</c> verb) and deals the fixture (the <c>deal</c> verb) with a committed test seed.</summary>
    internal async Task PrepareAsync(string? testSeed)
    {
        var certs = await CliProcess.RunAsync(["certs", "--out", Certs, "--days", "1"], Bound);
        Assert.True(certs.Code == 0, certs.Error);
        await DealAsync(Deal, PanelSize, testSeed);
    }

    internal async Task DealAsync(string directory, int k, string? testSeed, string? people = null, string? quotas = null, string? addressColumns = AddressColumns)
    {
        var args = new List<string> { "deal", "--people", people ?? Repository.People, "--quotas", quotas ?? Repository.Quotas, "--k", k.ToString(CultureInfo.InvariantCulture), "--out", directory };
        if (addressColumns is not null)
        {
            args.AddRange(["--address-columns", addressColumns]);
        }

        if (testSeed is not null)
        {
            args.AddRange(["--commit-test-seed", testSeed]);
        }

        var deal = await CliProcess.RunAsync(args, Bound);
        Assert.True(deal.Code == 0, deal.Error);
    }

    /// <summary>The command line of provider <paramref name="party"/>.</summary>
    internal List<string> NodeArguments(int party, string endpoints, string? publicSeed, double timeout, string? cert = null, string? round = null, string? shares = null)
    {
        var args = new List<string>
        {
            "node", "--party", party.ToString(CultureInfo.InvariantCulture), "--endpoints", endpoints,
            "--cert", cert ?? Path.Combine(Certs, $"party-{party}.pfx"),
            "--peer-certs", string.Join(',', Enumerable.Range(0, 3).Select(p => Path.Combine(Certs, $"party-{p}.cer"))),
            "--round", round ?? Path.Combine(Deal, "round.json"),
            "--shares", shares ?? Path.Combine(Deal, $"party-{party}.shares"),
            "--out", Path.Combine(Directory, $"out-{party}"),
            "--timeout", timeout.ToString(CultureInfo.InvariantCulture),
        };
        if (publicSeed is not null)
        {
            args.AddRange(["--public-seed", publicSeed]);
        }

        return args;
    }

    /// <summary>Three loopback endpoints on ports that are free now.</summary>
    internal static string FreeEndpoints()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return string.Join(',', listeners.Select(l => $"127.0.0.1:{((System.Net.IPEndPoint)l.LocalEndpoint).Port}"));
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>The first seed "<paramref name="prefix"/>-i" for which the reference legacy greedy needs an attempt count in the range.</summary>
    internal static string SeedNeedingAttempts(string prefix, int min, int max)
    {
        for (int i = 0; i < 1000; i++)
        {
            string seed = $"{prefix}-{i}";
            int attempts = PanelSelector.Select(Problem, new LegacyGreedy(), RandomTape.SeedFromString(seed), 100).Attempts;
            if (attempts >= min && attempts <= max)
            {
                return seed;
            }
        }

        throw new InvalidOperationException($"No seed needs {min}..{max} attempts.");
    }

    /// <summary>The panel (ids, pool order) of the in-process secure selection with the public tape of <paramref name="seed"/>.</summary>
    internal static async Task<string[]> InProcessPanelAsync(string seed)
    {
        SecureSelectionResult result = await InProcessSecureSelection.SelectAsync(Problem, SecureStrategies.For(new LegacyGreedy()), new InProcessSelectionOptions { Selection = new SecureSelectionOptions { MaxAttempts = 100 }, Seed = RandomTape.SeedFromString(seed) });
        return result.Panel!.Order().Select(i => Problem.Candidates[i].Id).ToArray();
    }

    /// <summary>The ids in a panel.csv, and their pool indexes.</summary>
    internal static (string[] Ids, int[] Indexes) ReadPanel(string path)
    {
        string[][] rows = ReadCsv(path).Skip(1).ToArray();
        return (rows.Select(r => r[0]).ToArray(), rows.Select(r => int.Parse(r[1], CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Every record of a CSV file, header included (quoted fields may hold commas and line breaks).</summary>
    internal static List<string[]> ReadCsv(string path)
    {
        var rows = new List<string[]>();
        using var reader = new StreamReader(path);
        using CsvHelper.CsvReader csv = CsvHelper.CsvReader.Create(reader, CsvHelper.CsvReaderOptions.Default with { Separator = ',', HasHeader = false, SkipEmptyLines = true }, leaveOpen: false);
        while (csv.Read())
        {
            rows.Add(Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray());
        }

        return rows;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the directory is temporary anyway.
        }
    }
}
