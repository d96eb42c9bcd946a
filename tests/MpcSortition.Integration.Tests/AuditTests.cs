using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary>Issue 17 through the CLI: one round, one draw at the nodes, and the audit verb on the evidence they write.</summary>
public sealed class AuditTests
{
    [Fact]
    public async Task Nodes_write_signed_evidence_that_audits_and_replays_clean_refuse_a_second_run_and_a_tampered_file_fails_the_audit()
    {
        string seed = Scenario.SeedNeedingAttempts("audit", 1, 2);
        using Scenario scenario = Scenario.Create();
        await scenario.PrepareAsync(seed);
        int[] codes = await RunNodesAsync(scenario, seed);
        Assert.All(codes, c => Assert.Equal(0, c));

        string Out(int p) => Path.Combine(scenario.Directory, $"out-{p}");
        string roundId = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(scenario.Deal, "round.json")))!["roundId"]!.GetValue<string>();
        string Log(int p) => Path.Combine(Out(p), $"run-log-{roundId}.jsonl");
        string certs = string.Join(',', Enumerable.Range(0, 3).Select(p => Path.Combine(scenario.Certs, $"party-{p}.cer")));
        string logs = string.Join(',', Enumerable.Range(0, 3).Select(Log));
        string shares = string.Join(',', Enumerable.Range(0, 3).Select(p => Path.Combine(scenario.Deal, $"party-{p}.shares")));
        List<string> Audit(string evidence, params string[] more) =>
            ["audit", "--round", Path.Combine(scenario.Deal, "round.json"), "--evidence", evidence, "--peer-certs", certs, "--logs", logs, .. more];

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Log(1)));
        }

        Assert.Contains("Verification", File.ReadAllText(Path.Combine(Out(0), "report.html")), StringComparison.Ordinal);

        // The analyser's evidence audits clean, with the logs, and replays to the same panel from the three share files.
        string evidence = Path.Combine(Out(0), "evidence.json");
        (int code, string output, string error) = await CliProcess.RunAsync(Audit(evidence, "--replay", "--shares", shares), Scenario.Bound);
        Assert.True(code == 0, output + error);
        Assert.Contains("ok: the three signatures verify with the pinned certificates", output, StringComparison.Ordinal);
        Assert.Contains("ok: replay: the replayed panel equals the analyser's panel", output, StringComparison.Ordinal);
        Assert.Contains("Audit passed", output, StringComparison.Ordinal);

        // Again without --new-run: every node refuses at once (exit 5), naming the earlier run.
        int[] again = await RunNodesAsync(scenario, seed, expectQuick: true);
        Assert.All(again, c => Assert.Equal(5, c));

        // One changed character in provider 1's signed transcript: the audit fails (exit 6) and says why.
        string tampered = Path.Combine(scenario.Directory, "tampered.json");
        string text = File.ReadAllText(evidence);
        int at = text.IndexOf("successBits=", StringComparison.Ordinal);
        at = text.IndexOf("successBits=", at + 1, StringComparison.Ordinal);
        File.WriteAllText(tampered, text[..(at + 12)] + "0" + text[(at + 12)..]);
        (code, output, _) = await CliProcess.RunAsync(Audit(tampered), Scenario.Bound);
        Assert.Equal(6, code);
        Assert.Contains("FAILED (BadSignature): Provider 1's transcript signature does not verify", output, StringComparison.Ordinal);
        Assert.Contains("Audit FAILED", output, StringComparison.Ordinal);

        // An edited run log: the audit fails naming the log.
        string[] lines = File.ReadAllLines(Log(2));
        lines[1] = lines[1].Replace("\"kind\":\"agreed\"", "\"kind\":\"agreeed\"", StringComparison.Ordinal);
        File.WriteAllLines(Log(2), lines);
        (code, output, _) = await CliProcess.RunAsync(Audit(evidence), Scenario.Bound);
        Assert.Equal(6, code);
        Assert.Contains("FAILED: provider 2's run log", output, StringComparison.Ordinal);
        Assert.Contains("hash chain breaks at line 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_receipt_accepts_a_submission_under_the_signed_root_and_refuses_one_that_is_not()
    {
        using Scenario scenario = Scenario.Create();
        using System.Security.Cryptography.X509Certificates.X509Certificate2 key = MpcSortition.Protocols.TlsCertificates.CreateSelfSigned("party-1", TimeSpan.FromDays(1));
        string cer = Path.Combine(scenario.Directory, "party-1.cer");
        File.WriteAllBytes(cer, key.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Cert));
        static MpcSortition.Selection.Verification.SubmissionLeaf Leaf(int i) =>
            new($"sub-{i}", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))));
        const string round = "00112233445566778899AABBCCDDEEFF";
        var tree = new MpcSortition.Selection.Verification.SubmissionTree(round, Enumerable.Range(0, 5).Select(Leaf));
        string root = Path.Combine(scenario.Directory, "root.json");
        File.WriteAllText(root, tree.RootStatement(1, DateTime.UtcNow).Sign(key).ToJson());
        string good = Path.Combine(scenario.Directory, "good.json"), bad = Path.Combine(scenario.Directory, "bad.json");
        File.WriteAllText(good, tree.Receipt("sub-2").ToJson());
        File.WriteAllText(bad, new MpcSortition.Selection.Verification.SubmissionTree(round, Enumerable.Range(5, 5).Select(Leaf)).Receipt("sub-7").ToJson());

        (int code, string output, string error) = await CliProcess.RunAsync(["verify-receipt", "--receipt", good, "--root", root, "--cert", cer], Scenario.Bound);
        Assert.True(code == 0, output + error);
        Assert.Contains("ok: submission sub-2 is under provider 1's signed root of 5", output, StringComparison.Ordinal);
        (code, output, _) = await CliProcess.RunAsync(["verify-receipt", "--receipt", bad, "--root", root, "--cert", cer], Scenario.Bound);
        Assert.Equal(6, code);
        Assert.Contains("FAILED (NotUnderRoot): The submission on this receipt is not among the accepted submissions", output, StringComparison.Ordinal);
    }

    private static async Task<int[]> RunNodesAsync(Scenario scenario, string seed, bool expectQuick = false)
    {
        string endpoints = Scenario.FreeEndpoints();
        var nodes = new List<CliProcess>();
        try
        {
            for (int p = 0; p < 3; p++)
            {
                nodes.Add(CliProcess.Start(scenario.NodeArguments(p, endpoints, seed, expectQuick ? 10 : 60)));
            }

            var codes = new int[3];
            for (int p = 0; p < 3; p++)
            {
                codes[p] = await nodes[p].ExitAsync(Scenario.Bound);
                if (expectQuick)
                {
                    Assert.Contains("already ran here (run 1", nodes[p].Error, StringComparison.Ordinal);
                    Assert.Contains("--new-run", nodes[p].Error, StringComparison.Ordinal);
                }
            }

            return codes;
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }
}
