using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;

namespace MpcSortition.Cli;

/// <summary>
/// <c>records</c>: Design 2, the tax office's contribution. <c>records contribute</c> turns the tax office's CSV of
/// invited citizens into one records share file per provider (owner-only); <c>records bench</c> measures the join under
/// MPC (n sign-ups × N records) with three parties over mutually authenticated TLS (three processes, as
/// <c>bench mul</c>) or in one process. The logic is library API (<see cref="TaxRecords"/>, <see cref="RecordShareFile"/>,
/// <see cref="RecordJoin"/>).
/// </summary>
internal static class RecordsCommand
{
    internal static string SharesFileName(int party) => $"records-{party}.shares";

    internal static Command Create()
    {
        var records = new Option<string>("--records") { Description = "The tax office's CSV: code and/or name,address; income; further numeric columns.", Required = true };
        var round = new Option<string>("--round") { Description = "The sign-up round (round.json of the intake): its id and code salt.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory for records-<i>.shares (give file i to provider i only).", Required = true };
        var contribute = new Command("contribute", "Split the tax office's records into one share file per provider. Exit codes: 0 success, 2 bad input (file:line:column), 4 cannot write.")
        {
            records, round, outDir,
        };
        contribute.SetAction(parse => Contribute(parse.GetValue(records)!, parse.GetValue(round)!, parse.GetValue(outDir)!));

        var signups = new Option<int>("--signups") { Description = "n: sign-ups matched under MPC.", DefaultValueFactory = _ => 1000 };
        var count = new Option<int>("--records-count") { Description = "N: tax records.", DefaultValueFactory = _ => 20_000 };
        var batch = new Option<int>("--batch-tests") { Description = "Equality tests per batch (bounds memory).", DefaultValueFactory = _ => 1 << 18 };
        var inProcess = new Option<bool>("--in-process") { Description = "Run the three parties in this process (in-memory links) instead of three TLS processes." };
        var connection = new BenchHarness.ConnectionOptions();
        var bench = new Command("bench", "Measure the join under MPC (n × N equality tests, oblivious selection of the band row, count = 1 test, statistics). Party 0 prints one line: records-join n=… N=… seconds=… bytes_per_party=… rounds=… (and each party its CPU time).")
        {
            signups, count, batch, inProcess,
        };
        connection.AddTo(bench);
        bench.SetAction((parse, ct) => BenchAsync(parse.GetValue(signups), parse.GetValue(count), parse.GetValue(batch), parse.GetValue(inProcess), connection.Read(parse), ct));

        return new Command("records", "Design 2: the tax office's records, joined to the sign-ups under MPC.") { contribute, bench };
    }

    private static int Contribute(string recordsPath, string roundPath, string dir)
    {
        SignupRound signupRound;
        TaxRecords taxRecords;
        try
        {
            using (FileStream f = File.OpenRead(roundPath))
            {
                signupRound = SignupRound.Load(f);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return Cli.Fail(2, $"{roundPath}: {e.Message}");
        }

        try
        {
            taxRecords = TaxRecords.Read(recordsPath, signupRound);
        }
        catch (SelectionInputException e)
        {
            return Cli.Fail(2, e.Message);
        }

        // Everything is checked before the first byte is written: a refused file writes nothing.
        RecordShares[] parts = taxRecords.Share();
        try
        {
            OwnerOnlyFile.CreateDirectory(dir);
            for (int p = 0; p < 3; p++)
            {
                RecordShareFile.WriteFile(Path.Combine(dir, SharesFileName(p)), parts[p]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Cli.Fail(4, $"cannot write to {dir}: {e.Message}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Records for round {signupRound.RoundId}: N = {taxRecords.Count}, attributes {string.Join(", ", taxRecords.AttributeNames)}, identifiers: {(taxRecords.HasCodes ? "invitation codes" : "")}{(taxRecords.HasCodes && taxRecords.HasPersonKeys ? " and " : "")}{(taxRecords.HasPersonKeys ? "person keys" : "")}"));
        for (int p = 0; p < 3; p++)
        {
            Console.WriteLine($"  {Path.Combine(dir, SharesFileName(p))}: give it to provider {p} only");
        }

        return 0;
    }

    private static async Task<int> BenchAsync(int n, int bigN, int batchTests, bool inProcess, BenchHarness.Connection connection, CancellationToken ct)
    {
        if (n < 1 || bigN < 1 || batchTests < 1 || n > SelectionLimits.MaxSignups)
        {
            return Cli.Fail(2, $"--signups must be 1 … {SelectionLimits.MaxSignups}, --records-count and --batch-tests at least 1.");
        }

        if (inProcess)
        {
            if (!BlackBoxEngines.TryParse(connection.Engine, out BlackBoxEngine engine))
            {
                return Cli.Fail(2, "--engine must be beaver or replicated.");
            }

            int[] codes = await InProcessParties.RunAsync(abb => MeasureAsync(abb, n, bigN, batchTests, ct), new InProcessOptions { Engine = engine, OperationTimeout = TimeSpan.FromHours(1) }, ct);
            return codes.Max();
        }

        string[] verb =
        [
            "records", "bench", "--signups", n.ToString(CultureInfo.InvariantCulture), "--records-count", bigN.ToString(CultureInfo.InvariantCulture),
            "--batch-tests", batchTests.ToString(CultureInfo.InvariantCulture),
        ];
        return await BenchHarness.RunAsync(connection, verb, abb => MeasureAsync(abb, n, bigN, batchTests, ct), ct);
    }

    /// <summary>Public test data from a fixed seed (every party derives the same plaintext and takes its own shares):
    /// N records with random keys and incomes; n sign-ups, 90 % of them carrying the key of a record.</summary>
    private static async Task<int> MeasureAsync(IArithmeticBlackBox abb, int n, int bigN, int batchTests, CancellationToken ct)
    {
        abb.Trace.RecordEntries = false;
        int me = abb.PartyIndex;
        uint[] recordKeys = new uint[2 * bigN], incomes = new uint[bigN], signupKeys = new uint[2 * n];
        using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
        {
            prg.Fill(recordKeys);
            prg.Fill(incomes);
            prg.Fill(signupKeys);
        }

        for (int i = 0; i < bigN; i++)
        {
            incomes[i] %= 150_000;
        }

        int[] truth = new int[n];
        for (int j = 0; j < n; j++)
        {
            truth[j] = j % 10 == 9 ? -1 : (int)(((long)j * 7919) % bigN);
            if (truth[j] >= 0)
            {
                signupKeys[2 * j] = recordKeys[2 * truth[j]];
                signupKeys[(2 * j) + 1] = recordKeys[(2 * truth[j]) + 1];
            }
        }

        byte[] roundId = new byte[16];
        Feature[] features = [new("pool", [new FeatureValue("member", 0, n)])];
        var ones = new uint[n];
        Array.Fill(ones, 1u);
        var signups = new SignupShares(Enumerable.Range(0, n).Select(j => $"s{j}"), new string?[n], features, Mine(ones, me, 1), Mine(signupKeys, me, 2));
        var records = new RecordShares(me, roundId, ["income"], bigN, null, Mine(recordKeys, me, 3), Mine(incomes, me, 4));
        AttributeBands bands = AttributeBands.Create("income", "income band", [20_000, 45_000, 80_000], [(0, n), (0, n), (0, n), (0, n), (0, n)]);
        var options = new RecordJoinOptions { Matching = RecordMatching.PersonKey, Bands = [bands], BatchTests = batchTests };

        var process = Process.GetCurrentProcess();
        TimeSpan cpu = process.TotalProcessorTime;
        long bytes = abb.Trace.BytesSent, rounds = abb.Trace.Rounds;
        long start = Stopwatch.GetTimestamp();
        RecordJoinResult result = await RecordJoin.JoinAsync(abb, signups, records, options, ct);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        TimeSpan used = process.TotalProcessorTime - cpu;
        long sent = abb.Trace.BytesSent - bytes, roundCount = abb.Trace.Rounds - rounds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu party={me} process_cpu_s={used.TotalSeconds:0.0} peak_working_set_mb={process.PeakWorkingSet64 / (1 << 20)}"));

        // The plaintext check (not part of the measured join): the joined columns opened to party 0.
        uint[]? opened = await abb.OpenToAsync(abb.FromShares(result.Columns.Span), 0, "bench: joined columns, opened for the plaintext check", ct);
        if (me != 0)
        {
            return 0;
        }

        int w = result.Width;
        for (int j = 0; j < n; j++)
        {
            int expected = truth[j] < 0 ? bands.BandCount : bands.BandOf(incomes[truth[j]]);
            for (int c = 0; c < w; c++)
            {
                if (opened![(j * w) + c] != (c == expected ? 1u : 0u))
                {
                    return Cli.Fail(1, $"the joined row of sign-up {j} differs from the plaintext join.");
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"records-join n={n} N={bigN} tests={(long)n * bigN} seconds={seconds:0.00} bytes_per_party={sent} rounds={roundCount} batch_tests={batchTests}{(abb is ReplicatedBlackBox ? " engine=replicated" : " engine=beaver")}"));
        return 0;
    }

    /// <summary>This party's additive share of public test values, from a fixed per-column seed (benchmark only).</summary>
    private static uint[] Mine(uint[] values, int party, byte column)
    {
        var s1 = new uint[values.Length];
        var s2 = new uint[values.Length];
        byte[] seed = new byte[AesCtrPrg.SeedSize];
        seed[0] = column;
        using (var prg = new AesCtrPrg(seed))
        {
            prg.Fill(s1);
            prg.Fill(s2);
        }

        if (party == 1)
        {
            return s1;
        }

        if (party == 2)
        {
            return s2;
        }

        var s0 = new uint[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            s0[i] = values[i] - s1[i] - s2[i];
        }

        return s0;
    }

    private static class SelectionLimits
    {
        internal const int MaxSignups = 32_767;
    }
}
