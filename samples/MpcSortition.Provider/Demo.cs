using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>
/// Writes a complete demonstration set-up: a round with V = 30 and a 256-byte contact block, three development
/// certificates, the operator token, one configuration per provider, invitation letters and their code hashes.
/// </summary>
internal static class Demo
{
    public static SignupRound Round(DateTimeOffset deadline, int panelSize = 30, byte[]? testSeed = null)
    {
        byte[] id = RandomNumberGenerator.GetBytes(16);
        return Round(id, deadline, panelSize, testSeed is null ? [] : Selection.Providers.RoundDefinition.CommitSeed(id, testSeed));
    }

    private static SignupRound Round(byte[] id, DateTimeOffset deadline, int k, byte[] testSeedCommitment) => new(
        id, "Citizens' assembly on climate (demo)", deadline, k,
        [
            Feature("gender", "What is your gender?", ["female", "male", "other"], k),
            Feature("age", "How old are you?", ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"], k),
            Feature("region", "Where do you live?", ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west", "centre", "islands"], k),
            Feature("education", "What is your highest qualification?", ["none", "school", "vocational", "degree", "postgraduate"], k),
            Feature("tenure", "Do you own or rent your home?", ["own outright", "mortgage", "rent private", "rent social", "live with family", "other"], k),
        ],
        [new ContactField("name", "Full name", 64), new ContactField("email", "E-mail address", 64), new ContactField("phone", "Phone number", 32), new ContactField("address", "Postal address", 96)],
        RandomNumberGenerator.GetBytes(16), "https://signup.example.org/?code={code}", testSeedCommitment);

    private static SignupFeature Feature(string name, string question, string[] values, int k) =>
        new(name, question, values.Select(v => new SignupValue(v, char.ToUpperInvariant(v[0]) + v[1..], 0, k)).ToArray());

    /// <summary>Writes everything under <paramref name="dir"/>; returns the operator token. MPC ports default to the
    /// HTTPS ports + 100; <paramref name="testSeed"/> (testing only) makes the round commit to a public test seed.</summary>
    public static string Write(string dir, int codes, DateTimeOffset deadline, int[] ports, int permitsPerMinute, string? pageOrigin,
        int[]? mpcPorts = null, int panelSize = 30, byte[]? testSeed = null)
    {
        FileModes.OwnerOnly();
        FileModes.CreateDirectory(dir);
        mpcPorts ??= ports.Select(p => p + 100).ToArray();
        SignupRound round = Round(deadline, panelSize, testSeed);
        using (FileStream fs = FileModes.CreateOwnerOnly(Path.Combine(dir, "round.json")))
        {
            round.Save(fs);
        }

        for (int p = 0; p < 3; p++)
        {
            using X509Certificate2 cert = TlsCertificates.CreateSelfSigned($"provider-{p}", TimeSpan.FromDays(60));
            File.WriteAllBytes(Path.Combine(dir, $"party-{p}.pfx"), cert.Export(X509ContentType.Pkcs12));
            File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), cert.Export(X509ContentType.Cert));
        }

        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(Path.Combine(dir, "operator-token.txt"), token + "\n");
        Invitations.Write(round, codes, Path.Combine(dir, "letters.csv"), Path.Combine(dir, "code-hashes.txt"));
        for (int p = 0; p < 3; p++)
        {
            var config = new Dictionary<string, object?>
            {
                ["party"] = p,
                ["round"] = "round.json",
                ["listen"] = new[] { $"https://127.0.0.1:{ports[p]}" },
                ["certificate"] = $"party-{p}.pfx",
                ["peers"] = Enumerable.Range(0, 3).Where(q => q != p).Select(q => new { party = q, url = $"https://127.0.0.1:{ports[q]}", certificate = $"party-{q}.cer", mpc = $"127.0.0.1:{mpcPorts[q]}" }).ToArray(),
                ["mpc"] = $"127.0.0.1:{mpcPorts[p]}",
                ["database"] = $"provider-{p}/intake.db",
                ["invitations"] = "code-hashes.txt",
                ["pageOrigin"] = pageOrigin,
                ["operatorTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))),
                ["submitPermitsPerMinute"] = permitsPerMinute,
            };
            File.WriteAllText(Path.Combine(dir, $"provider-{p}.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        }

        return token;
    }
}

/// <summary>The <c>invite</c> verb's work: N fresh codes, the letters' CSV (0600: the codes are secret) and the hashes the providers load.</summary>
internal static class Invitations
{
    public static IReadOnlyList<string> Write(SignupRound round, int count, string lettersPath, string hashesPath)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < count)
        {
            codes.Add(InvitationCode.Generate());
        }

        using (var letters = new StreamWriter(FileModes.CreateOwnerOnly(lettersPath), new UTF8Encoding(false)))
        {
            letters.WriteLine("code,signup_url");
            foreach (string code in codes)
            {
                letters.WriteLine($"{CsvField(InvitationCode.Format(code))},{CsvField(round.SignupUrlFor(code))}");
            }
        }

        using (var hashes = new StreamWriter(FileModes.CreateOwnerOnly(hashesPath), new UTF8Encoding(false)))
        {
            hashes.WriteLine($"# code hashes of round {round.RoundId} (HMAC-SHA-256 with the round's salt); give this file to each provider");
            foreach (string code in codes)
            {
                hashes.WriteLine(InvitationCode.Hash(round.CodeSalt, code));
            }
        }

        return codes.ToArray();
    }

    /// <summary>A CSV field safe against spreadsheet formula injection: a leading = + - @ tab or CR gets a leading apostrophe; quoted when needed.</summary>
    public static string CsvField(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Reads the codes back from a letters CSV (first column).</summary>
    public static List<string> ReadCodes(string lettersPath) =>
        File.ReadLines(lettersPath).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0].Trim('"', '\'')).ToList();
}
