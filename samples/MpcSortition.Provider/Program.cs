using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Provider;
using MpcSortition.Samples;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Verification;

// mpcsortition-provider: the sign-up intake of one provider (see docs/intake.md).
try
{
    return await Cli.RunAsync(args);
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

internal static class Cli
{
    private const string Usage = """
        usage: mpcsortition-provider <verb> [options]
          serve --config provider.json [--page DIR]           run the intake service (HTTPS); --page also serves the sign-up page from DIR
          invite --round round.json --count N --letters letters.csv --hashes code-hashes.txt
          verify-receipt --receipt receipt.json --cert party-i.cer [--proof proof.json --root root.json]
                                                              the provider's signature on a receipt; with --proof and --root
                                                              also that the submission is under that provider's signed root
          token                                               make an operator token and the SHA-256 for the config
          demo --out DIR [--codes N] [--deadline-minutes M | --deadline-seconds S] [--ports P0,P1,P2] [--mpc-ports Q0,Q1,Q2]
               [--permits N] [--page-origin URL] [--panel-size K] [--test-seed HEX (testing only: the round commits to it)]
          demo --out DIR --page DIR [--volunteers N] [...]    also run the three providers here with the sign-up page; on Enter the
                                                              three select through their own /operator/select
          bench --config provider.json --letters letters.csv [--count N] [--concurrency C] [--acked FILE] [--retry-seconds S] [--warmup N]
          check-acked --config provider.json --acked FILE     every acknowledged submission is in the database, whole
          bench-check [--rows N] [--engine replicated|beaver]  the MPC well-formedness check and contact opening, three parties in one process
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        Dictionary<string, string> o = Options(args.AsSpan(1));
        switch (args[0])
        {
            case "serve":
            {
                ProviderConfig config = ProviderConfig.Load(Need(o, "config"));
                WebApplication app = await ProviderApp.BuildAsync(config);
                if (o.TryGetValue("page", out string? page))
                {
                    PageHosting.Map(app, page, PageHosting.FromConfig(config));
                }

                Console.WriteLine($"Provider {config.Party} of round {config.Round.RoundId} (hash {config.Round.Hash[..16]}…) listening on {string.Join(", ", config.Listen)}; deadline {config.Round.DeadlineUtc:u}.");
                await app.RunAsync();
                return 0;
            }

            case "invite":
            {
                SignupRound round = LoadRound(Need(o, "round"));
                int count = Int(o, "count", null, 1, 10_000_000);
                FileModes.OwnerOnly();
                Invitations.Write(round, count, Need(o, "letters"), Need(o, "hashes"));
                Console.WriteLine($"Wrote {count} codes to {o["letters"]} (secret: print the letters, then delete it) and their hashes to {o["hashes"]} (give it to each provider).");
                return 0;
            }

            case "verify-receipt":
                return VerifyReceipt(o);

            case "token":
            {
                string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                Console.WriteLine($"operator token (keep it secret): {token}");
                Console.WriteLine($"\"operatorTokenSha256\": \"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))}\"");
                return 0;
            }

            case "demo":
            {
                string dir = Need(o, "out");
                int[] ports = o.TryGetValue("ports", out string? p) ? Ports(p, "ports") : [7443, 7444, 7445];
                int[]? mpcPorts = o.TryGetValue("mpc-ports", out string? q) ? Ports(q, "mpc-ports") : null;
                if (o.TryGetValue("page", out string? pageDir))
                {
                    return await DemoPage.RunAsync(dir, pageDir, ports, mpcPorts, Int(o, "codes", 100, 1, 10_000_000), Int(o, "volunteers", 40, 0, 10_000), Int(o, "deadline-minutes", 60, 1, 10_000_000));
                }

                TimeSpan open = o.ContainsKey("deadline-seconds") ? TimeSpan.FromSeconds(Int(o, "deadline-seconds", null, 1, 10_000_000)) : TimeSpan.FromMinutes(Int(o, "deadline-minutes", 60, 1, 10_000_000));
                byte[]? seed;
                try
                {
                    seed = o.TryGetValue("test-seed", out string? s) ? Convert.FromHexString(s) : null;
                }
                catch (FormatException)
                {
                    throw new ConfigException("--test-seed must be hexadecimal.");
                }

                Demo.Write(dir, Int(o, "codes", 100, 1, 10_000_000), DateTimeOffset.UtcNow.Add(open) is var d ? new DateTimeOffset(d.UtcDateTime.Ticks - d.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : default,
                    ports, Int(o, "permits", 30, 1, int.MaxValue), o.GetValueOrDefault("page-origin"), mpcPorts, Int(o, "panel-size", 30, 1, 1000), seed);
                Console.WriteLine($"Wrote a demo round, certificates, operator-token.txt, provider-0..2.json and letters under {dir}.");
                return 0;
            }

            case "bench":
            {
                ProviderConfig config = ProviderConfig.Load(Need(o, "config"));
                List<string> codes = Invitations.ReadCodes(Need(o, "letters"));
                return await Bench.RunAsync(config, codes, Int(o, "count", 10_000, 1, int.MaxValue), Int(o, "concurrency", 32, 1, 1024), o.GetValueOrDefault("acked"), Int(o, "retry-seconds", 0, 0, 3600), Int(o, "warmup", 0, 0, 1_000_000));
            }

            case "bench-check":
            {
                string engineName = o.GetValueOrDefault("engine") ?? EngineSetting.Name(EngineSetting.Default);
                if (!BlackBoxEngines.TryParse(engineName, out BlackBoxEngine engine))
                {
                    throw new ConfigException($"--engine must be beaver or replicated (got '{engineName}').");
                }

                return await BenchCheck.RunAsync(Int(o, "rows", 10_000, 1, 1_000_000), engine);
            }

            case "check-acked":
            {
                ProviderConfig config = ProviderConfig.Load(Need(o, "config"));
                return Durability.CheckAcked(config.DatabasePath, Need(o, "acked"));
            }

            default:
                Console.Error.WriteLine($"Unknown verb '{args[0]}'.\n{Usage}");
                return 2;
        }
    }

    /// <summary><c>verify-receipt</c>: the provider's signature on a volunteer's receipt; with <c>--proof</c> (from
    /// <c>GET /api/v1/receipts/{submissionId}</c>) and <c>--root</c> (from <c>GET /api/v1/root</c>) also that this very
    /// submission is among the accepted submissions under that provider's signed root. Exit 0 valid, 1 not valid, 2 bad input.</summary>
    private static int VerifyReceipt(Dictionary<string, string> o)
    {
        IntakeReceipt receipt;
        X509Certificate2 cert;
        SubmissionReceipt? proof = null;
        SignedRoot? root = null;
        string file = Need(o, "receipt");
        try
        {
            byte[] json = File.ReadAllBytes(file);
            using (var doc = System.Text.Json.JsonDocument.Parse(json))
            {
                receipt = IntakeReceipt.Parse(doc.RootElement.TryGetProperty("receipt", out var inner) ? Encoding.UTF8.GetBytes(inner.GetRawText()) : json);
            }

            file = Need(o, "cert");
            cert = X509CertificateLoader.LoadCertificateFromFile(file);
            if (o.TryGetValue("proof", out string? proofFile) != o.ContainsKey("root"))
            {
                Console.Error.WriteLine("Give --proof and --root together (the inclusion proof and the provider's signed root).");
                return 2;
            }

            if (proofFile is not null)
            {
                file = proofFile;
                proof = SubmissionReceipt.Parse(File.ReadAllText(file));
                file = o["root"];
                root = SignedRoot.Parse(File.ReadAllText(file));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException or CryptographicException or VerificationException)
        {
            Console.Error.WriteLine($"{file}: {e.Message}");
            return 2;
        }

        if (!receipt.Verify(cert))
        {
            Console.WriteLine("NOT valid: this receipt was not signed by that certificate's key, or it was changed after signing.");
            return 1;
        }

        Console.WriteLine($"Valid: provider {receipt.Party} signed that it {receipt.Action} submission {receipt.SubmissionId} of round {receipt.RoundId} at {receipt.TimeUtc:u}.");
        if (proof is null || root is null)
        {
            return 0;
        }

        if (!string.Equals(proof.SubmissionId, receipt.SubmissionId, StringComparison.OrdinalIgnoreCase) || !string.Equals(proof.CodeHash, receipt.CodeHash, StringComparison.OrdinalIgnoreCase))
        {
            Console.WriteLine($"NOT valid: the inclusion proof is for submission {Clean(proof.SubmissionId)}, not for the submission {receipt.SubmissionId} on this receipt (or for another code).");
            return 1;
        }

        if (root.Party != receipt.Party || !string.Equals(root.RoundId, receipt.RoundId, StringComparison.OrdinalIgnoreCase))
        {
            Console.WriteLine($"NOT valid: the root is provider {root.Party}'s of round {Clean(root.RoundId)}; the receipt is provider {receipt.Party}'s of round {receipt.RoundId}. Check each provider's receipt against that provider's root.");
            return 1;
        }

        try
        {
            SubmissionTree.VerifyReceipt(proof, root, cert);
        }
        catch (VerificationException e)
        {
            Console.WriteLine($"NOT valid ({e.Problem}): {Clean(e.Message)}");
            return 1;
        }

        Console.WriteLine($"Included: submission {receipt.SubmissionId} is among the {root.TreeSize} accepted submissions under provider {root.Party}'s signed root {Clean(root.Root)} (closed {Clean(root.ClosedUtc)}). The three providers' roots must be equal: compare this root with the other two.");
        return 0;
    }

    /// <summary>Text from a file, printed without control characters.</summary>
    private static string Clean(string text) => new(text.Where(c => !char.IsControl(c)).Take(200).ToArray());

    private static int[] Ports(string text, string name)
    {
        string[] parts = text.Split(',');
        return parts.Length == 3 && parts.All(x => int.TryParse(x, out int v) && v is > 0 and < 65536)
            ? parts.Select(int.Parse).ToArray()
            : throw new ConfigException($"--{name} must be three port numbers separated by commas, e.g. 7443,7444,7445.");
    }

    private static SignupRound LoadRound(string path)
    {
        try
        {
            using FileStream fs = File.OpenRead(path);
            return SignupRound.Load(fs);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ConfigException($"{path}: {e.Message}");
        }
    }

    private static Dictionary<string, string> Options(ReadOnlySpan<string> args)
    {
        var o = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ConfigException($"Expected --option value, got '{args[i]}'.");
            }

            o[args[i][2..]] = args[++i];
        }

        return o;
    }

    private static string Need(Dictionary<string, string> o, string name) =>
        o.TryGetValue(name, out string? v) ? v : throw new ConfigException($"--{name} is required.");

    private static int Int(Dictionary<string, string> o, string name, int? dflt, int min, int max)
    {
        if (!o.TryGetValue(name, out string? v))
        {
            return dflt ?? throw new ConfigException($"--{name} is required.");
        }

        return int.TryParse(v, out int x) && x >= min && x <= max ? x : throw new ConfigException($"--{name} must be a whole number from {min} to {max}.");
    }
}
