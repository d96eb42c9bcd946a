using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Page.Tests;

/// <summary>
/// Cross-language test vectors: the page's encoding and sharing (samples/MpcSortition.SignupPage/sharing.js, run under
/// node) against the library's contributor function (ContributorEncoding, IntakeContribution, ContactBlock,
/// InvitationCode, Submission).
/// js/vectors.json holds fixed inputs with the library's outputs; both languages check it, and shares made by the
/// page's own code are put back together here.
/// </summary>
public sealed class VectorTests
{
    private static readonly string Js = Path.Combine(Paths.Root, "tests", "MpcSortition.Page.Tests", "js");
    private static readonly string Sharing = Path.Combine(Paths.Page, "sharing.js");
    private static readonly JsonNode Vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(Js, "vectors.json")))!;
    private static readonly SignupRound[] Rounds = [.. Vectors["rounds"]!.AsArray().Select(r => SignupRound.Load(new MemoryStream(Encoding.UTF8.GetBytes(r!.ToJsonString()))))];

    [Fact]
    public void TheLibraryGivesTheFixedVectors()
    {
        int checkedCodes = 0;
        foreach (JsonNode? c in Vectors["codes"]!.AsArray())
        {
            string? expected = (string?)c!["canonical"];
            Assert.Equal(expected is not null, InvitationCode.TryNormalize((string)c["typed"]!, out string? canonical));
            Assert.Equal(expected, canonical);
            checkedCodes++;
        }

        Assert.True(checkedCodes >= 10);
        int refused = 0;
        foreach (JsonNode? e in Vectors["encodings"]!.AsArray())
        {
            SignupRound round = Rounds[(int)e!["round"]!];
            int[] answers = Ints(e["answers"]);
            string[] contact = Strings(e["contact"]);
            Assert.Equal(UInts(e["row"]), LibraryRow(round, answers));
            // The providers' contributor function (issue 10), from the answers' value names: the same row.
            Assert.Equal(UInts(e["row"]), ContributorEncoding.OneHotRow(round.ToFeatures(), [.. answers.Select((a, f) => round.Features[f].Values[a].Name)]));
            if (e["contactProblem"] is not null)
            {
                Assert.Throws<ArgumentException>(() => ContactBlock.Encode(round, contact));
                refused++;
            }
            else
            {
                Assert.Equal((string)e["block"]!, Convert.ToHexStringLower(ContactBlock.Encode(round, contact)));
            }
        }

        Assert.Equal(5, refused);
        foreach (JsonNode? s in Vectors["sharings"]!.AsArray())
        {
            SignupRound round = Rounds[(int)s!["round"]!];
            string code = (string)s["code"]!;
            string[] contact = Strings(s["contact"]);
            uint[][] rows = [.. s["rows"]!.AsArray().Select(UInts)];
            byte[][] contacts = [.. s["contacts"]!.AsArray().Select(x => Convert.FromBase64String((string)x!))];
            Assert.Equal(LibraryRow(round, Ints(s["answers"])), Sum(rows));
            Assert.Equal(UInts(s["row"]), Sum(rows));
            Assert.Equal(ContactBlock.Encode(round, contact), ContactBlock.Combine(contacts));
            string hash = InvitationCode.Hash(round.CodeSalt, code);
            Assert.Equal((string)s["codeHash"]!, hash);
            for (int p = 0; p < 3; p++)
            {
                var part = new Submission(round.RoundId, p, code, (string)s["submission"]!, rows[p], contacts[p]);
                Assert.Equal((string)s["digests"]![p]!, part.StoredDigest(hash));
            }
        }
    }

    [Fact]
    public async Task ThePageGivesTheFixedVectors()
    {
        (int exit, string output) = await Node([Path.Combine(Js, "check-vectors.mjs"), Sharing, Path.Combine(Js, "vectors.json")], null);
        Assert.True(exit == 0, output);
        Assert.Matches(@"^\d+ vectors ok", output.Trim());
        Assert.True(int.Parse(output.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= 50, output);
    }

    [Theory]
    [InlineData(0, new[] { 1, 2, 0 }, new[] { "Ann", "ann@example.org", "x" })]
    [InlineData(0, new[] { 0, 0, 1 }, new[] { "Zoë Ødegård 李雷 😀", "", "" })]
    [InlineData(1, new[] { 2, 5, 9, 4, 5 }, new[] { "Łukasz Żółć", "lz@example.org", "+48 22 000 00 00", "ul. Długa 1/2, 00-001 Warszawa" })]
    [InlineData(1, new[] { 0, 0, 0, 0, 0 }, new[] { "", "", "", "" })]
    public async Task SharesMadeByThePageReconstructInCSharpToTheLibrarysEncoding(int r, int[] answers, string[] contact)
    {
        SignupRound round = Rounds[r];
        string code = InvitationCode.Generate();
        string id = Submission.NewSubmissionId();
        var results = new List<JsonNode>();
        for (int run = 0; run < 2; run++)
        {
            string input = new JsonObject
            {
                ["round"] = Vectors["rounds"]![r]!.DeepClone(),
                ["code"] = InvitationCode.Format(code).ToLowerInvariant(),
                ["answers"] = new JsonArray([.. answers.Select(a => (JsonNode)a)]),
                ["contact"] = new JsonArray([.. contact.Select(c => (JsonNode)c)]),
                ["submission"] = id,
            }.ToJsonString();
            (int exit, string output) = await Node([Path.Combine(Js, "make-submissions.mjs"), Sharing], input);
            Assert.True(exit == 0, output);
            results.Add(JsonNode.Parse(output)!);
        }

        foreach (JsonNode result in results)
        {
            Assert.Equal(code, (string)result["canonical"]!);
            string hash = InvitationCode.Hash(round.CodeSalt, code);
            Assert.Equal(hash, (string)result["codeHash"]!);
            var parts = new Submission[3];
            for (int p = 0; p < 3; p++)
            {
                // The body the page sends is accepted by the providers' parser as provider p's part.
                byte[] body = Encoding.UTF8.GetBytes(result["bodies"]![p]!.ToJsonString());
                Assert.True(Submission.TryParse(body, round, p, out Submission? part, out IntakeError? error), error?.Message);
                parts[p] = part!;
                Assert.Equal(id, part!.SubmissionId);
                Assert.Equal((string)result["digests"]![p]!, part.StoredDigest(hash));
            }

            Assert.Equal(LibraryRow(round, answers), Sum([.. parts.Select(p => p.Row.ToArray())]));
            Assert.Equal(ContactBlock.Encode(round, contact), ContactBlock.Combine([.. parts.Select(p => p.Contact.ToArray())]));
            Assert.Equal(contact, ContactBlock.Decode(round, ContactBlock.Combine([.. parts.Select(p => p.Contact.ToArray())])));
            Assert.NotEqual(parts[1].Row.ToArray(), parts[2].Row.ToArray());
        }

        // Fresh randomness on every call: the same answers give other shares.
        Assert.NotEqual(results[0]["bodies"]![1]!["row"]!.ToJsonString(), results[1]["bodies"]![1]!["row"]!.ToJsonString());
        Assert.NotEqual(results[0]["bodies"]![1]!["contact"]!.ToJsonString(), results[1]["bodies"]![1]!["contact"]!.ToJsonString());
    }

    /// <summary>The library's contributor function: the row its three shares put back together.</summary>
    private static uint[] LibraryRow(SignupRound round, int[] answers) =>
        Sum([.. IntakeContribution.Create(round, InvitationCode.Generate(), answers, [.. round.ContactFields.Select(_ => "")]).Select(p => p.Row.ToArray())]);

    private static uint[] Sum(uint[][] shares)
    {
        var row = new uint[shares[0].Length];
        foreach (uint[] s in shares)
        {
            for (int i = 0; i < row.Length; i++)
            {
                row[i] += s[i];
            }
        }

        return row;
    }

    private static int[] Ints(JsonNode? n) => [.. n!.AsArray().Select(x => (int)x!)];

    private static uint[] UInts(JsonNode? n) => [.. n!.AsArray().Select(x => (uint)x!)];

    private static string[] Strings(JsonNode? n) => [.. n!.AsArray().Select(x => (string)x!)];

    private static async Task<(int Exit, string Output)> Node(string[] args, string? stdin)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException("node could not be started (it ships with this machine kind; apt-get install nodejs).");
        await p.StandardInput.WriteAsync(stdin ?? "");
        p.StandardInput.Close();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await output + await error);
    }
}
