using System.CommandLine;
using MpcSortition.Selection;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Cli;

/// <summary>
/// <c>deal</c>: the contributors' side. Reads a people file and quotas (as a batch of contributors, or the tax office,
/// holds them), splits every person's one-hot feature row into three additive shares and writes the public round file
/// plus one share file per provider.
/// </summary>
internal static class DealCommand
{
    internal static Command Create()
    {
        var people = new Option<string>("--people") { Description = "The people file (CSV: an id column and one column per feature).", Required = true };
        var quotas = new Option<string>("--quotas") { Description = "The quota file (CSV: feature,value,min,max or category,name,min,max).", Required = true };
        var k = new Option<int>("--k") { Description = "The panel size.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory for round.json (public: give it to every provider) and party-<i>.shares (give it to provider i only).", Required = true };
        var addressColumns = new Option<string?>("--address-columns") { Description = "Comma-separated address columns; the providers learn which candidates share an address (never their features), and no two of them are selected." };
        var idColumn = new Option<string?>("--id-column") { Description = "The id column (default nationbuilder_id when present, else the 0-based row index)." };
        var testSeed = new Option<string?>("--commit-test-seed") { Description = "Testing and audits only: publish a SHA-256 commitment to this public seed in round.json, so that nodes run with --public-seed can show they used it." };
        var command = new Command("deal", "Split a pool into one share file per provider plus the public round file. Exit codes: 0 success, 2 bad input, 4 cannot write.")
        {
            people, quotas, k, outDir, addressColumns, idColumn, testSeed,
        };
        command.SetAction(parse =>
        {
            string[] address = (parse.GetValue(addressColumns) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? seed = parse.GetValue(testSeed);
            SortitionData data;
            SelectionProblem problem;
            try
            {
                data = SortitionCsv.Read(parse.GetValue(people)!, parse.GetValue(quotas)!, new SortitionCsvOptions { IdColumn = parse.GetValue(idColumn), AddressColumns = address });
                problem = data.ToProblem(parse.GetValue(k));
            }
            catch (Exception e) when (e is SelectionInputException or ArgumentException)
            {
                return Cli.Fail(2, e.Message);
            }

            string dir = parse.GetValue(outDir)!;
            try
            {
                RoundDefinition round = Deal(problem, address.Length > 0, seed is null ? null : RandomTape.SeedFromString(seed), p => dir, p => dir);
                Console.WriteLine($"Dealt round {round.RoundId}: n = {round.CandidateIds.Count}, V = {round.ValueCount}, k = {round.PanelSize}, layout hash {round.LayoutHash[..16]}…");
                Console.WriteLine($"  {Path.Combine(dir, RoundFileName)}: public, give it to every provider");
                for (int p = 0; p < ProviderRun.Parties; p++)
                {
                    Console.WriteLine($"  {Path.Combine(dir, SharesFileName(p))}: give it to provider {p} only");
                }

                return 0;
            }
            catch (ArgumentException e)
            {
                return Cli.Fail(2, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(4, $"cannot write to {dir}: {e.Message}");
            }
        });
        return command;
    }

    internal const string RoundFileName = "round.json";

    internal static string SharesFileName(int party) => $"party-{party}.shares";

    /// <summary>Deals <paramref name="problem"/>: writes round.json into <paramref name="roundDir"/>(p) and party-p.shares
    /// (owner-only) into <paramref name="sharesDir"/>(p) for every provider p. New directories are created owner-only.</summary>
    /// <exception cref="ArgumentException">The pool exceeds the secure selector's bounds (the message names the bound).</exception>
    internal static RoundDefinition Deal(SelectionProblem problem, bool includeAddresses, byte[]? testSeed, Func<int, string> roundDir, Func<int, string> sharesDir)
    {
        RoundDefinition round = RoundDefinition.Create(problem, includeAddresses, testSeed);
        uint[][] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values));
        try
        {
            for (int p = 0; p < ProviderRun.Parties; p++)
            {
                OwnerOnlyFile.CreateDirectory(roundDir(p));
                OwnerOnlyFile.CreateDirectory(sharesDir(p));
                using (FileStream file = File.Create(Path.Combine(roundDir(p), RoundFileName)))
                {
                    round.Save(file);
                }

                ShareFile.WriteFile(Path.Combine(sharesDir(p), SharesFileName(p)), round, p, shares[p]);
            }
        }
        finally
        {
            foreach (uint[] s in shares)
            {
                Array.Clear(s);
            }
        }

        return round;
    }
}
