using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Records;

namespace MpcSortition.Page.Tests;

/// <summary>
/// Design 2's person key (issue 13, matching under MPC): the page's normalisation, key and sharing
/// (samples/MpcSortition.SignupPage/sharing.js under node) against the library's <see cref="PersonKey"/>, on spellings
/// that exercise every rule (case, accents, compatibility forms, spelled-out letters, punctuation, white space, house
/// numbers, scripts without case, characters outside the BMP). The page does not send the key yet (no wire-format field).
/// </summary>
public sealed class PersonKeyVectorTests
{
    private static readonly string[][] Cases =
    [
        ["Zoë Müller", "Hauptstraße 12a, 79100 Freiburg"],
        ["  ZOE   MULLER ", "hauptstrasse 12 A 79100 freiburg"],
        ["Zoe Müller", "Hauptstraße 12-A; 79100 Freiburg"],
        ["Ǽsa Øster-Łąd", "Đorđa Þórs 3 b"],
        ["Ｆｕｌｌ Ｗｉｄｔｈ ﬁne", "Rue de l'Église ２, 75001 Paris"],
        ["Œdipe  Jean-Luc", "12 bis rue du Bœuf"],
        ["李雷", "北京市 朝阳区 1号"],
        ["Ελένη Παπαδοπούλου", "Οδός Αθηνάς 5α"],
        ["İlknur Işık", "Istiklal Cd. No:7 D:3"],
        ["Name 😀 𝐁old", "Street 1\t2\nB"],
        ["José\u0301 Ñandú", "Calle 5 ½ A"],
        ["---", "Street 1"],
        ["Someone", " ... "],
    ];

    [Fact]
    public async Task ThePageComputesTheLibrarysPersonKeysAndSharesThem()
    {
        byte[] salt = Enumerable.Range(0, 16).Select(i => (byte)(7 * i + 3)).ToArray();
        var round = new SignupRound(new byte[16], "Keys", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), 1,
            [new SignupFeature("q", "Q?", [new("a", "A", 0, 1), new("b", "B", 0, 1)])], [new ContactField("name", "Name", 16)], salt, "https://signup.example.org/?code={code}");
        var roundJson = new MemoryStream();
        round.Save(roundJson);
        string input = new JsonObject
        {
            ["round"] = JsonNode.Parse(Encoding.UTF8.GetString(roundJson.ToArray())),
            ["cases"] = new JsonArray([.. Cases.Select(c => (JsonNode)new JsonArray(c[0], c[1]))]),
        }.ToJsonString();
        (int exit, string output) = await Node([Path.Combine(Paths.Root, "tests", "MpcSortition.Page.Tests", "js", "person-keys.mjs"), Path.Combine(Paths.Page, "sharing.js")], input);
        Assert.True(exit == 0, output);
        JsonArray results = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(Cases.Length, results.Count);
        int keys = 0;
        for (int i = 0; i < Cases.Length; i++)
        {
            JsonNode r = results[i]!;
            string name = Cases[i][0], address = Cases[i][1];
            Assert.True(PersonKey.Normalise(name) == (string)r["name"]!, $"case {i}: name '{PersonKey.Normalise(name)}' vs page '{(string)r["name"]!}'");
            Assert.True(PersonKey.Normalise(address) == (string)r["address"]!, $"case {i}: address '{PersonKey.Normalise(address)}' vs page '{(string)r["address"]!}'");
            if (PersonKey.Normalise(name).Length == 0 || PersonKey.Normalise(address).Length == 0)
            {
                Assert.Throws<ArgumentException>(() => PersonKey.Compute(salt, name, address));
                Assert.Contains("empty after normalisation", (string)r["error"]!);
                continue;
            }

            (uint high, uint low) = PersonKey.Words(PersonKey.Compute(salt, name, address));
            Assert.Equal([high, low], r["words"]!.AsArray().Select(x => (uint)x!));
            uint[][] shares = [.. r["shares"]!.AsArray().Select(s => s!.AsArray().Select(x => (uint)x!).ToArray())];
            Assert.Equal(3, shares.Length);
            Assert.Equal(high, unchecked(shares[0][0] + shares[1][0] + shares[2][0]));
            Assert.Equal(low, unchecked(shares[0][1] + shares[1][1] + shares[2][1]));
            Assert.NotEqual([high, low], shares[1]);
            keys++;
        }

        Assert.Equal(11, keys);

        // The respellings of one person meet on one key (the first three cases).
        Assert.Equal(results[0]!["words"]!.ToJsonString(), results[1]!["words"]!.ToJsonString());
        Assert.Equal(results[0]!["words"]!.ToJsonString(), results[2]!["words"]!.ToJsonString());
    }

    private static async Task<(int Exit, string Output)> Node(string[] args, string stdin)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException("node could not be started (apt-get install nodejs).");
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await output + await error);
    }
}
