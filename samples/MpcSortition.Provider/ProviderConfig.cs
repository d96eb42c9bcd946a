using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>One peer provider: its public URL and the certificate it must present.</summary>
internal sealed record PeerConfig(int Party, Uri Url, string CertificatePath);

/// <summary>
/// A provider's configuration file (JSON). Paths are relative to the file. Example:
/// <code>
/// { "party": 0, "round": "round.json", "listen": ["https://127.0.0.1:7443"],
///   "certificate": "party-0.pfx", "certificatePasswordEnv": "PROVIDER_PFX_PASSWORD",
///   "peers": [ { "party": 1, "url": "https://b.example.org:7443", "certificate": "party-1.cer" }, … ],
///   "database": "data/intake.db", "invitations": "code-hashes.txt", "pageOrigin": "https://signup.example.org",
///   "operatorTokenSha256": "…64 hex…", "submitPermitsPerMinute": 30 }
/// </code>
/// </summary>
internal sealed class ProviderConfig
{
    public required int Party { get; init; }
    public required SignupRound Round { get; init; }
    public required IReadOnlyList<Uri> Listen { get; init; }
    public required X509Certificate2 Certificate { get; init; }
    public required IReadOnlyList<PeerConfig> Peers { get; init; }
    public required string DatabasePath { get; init; }
    public required IReadOnlySet<string> InvitationHashes { get; init; }
    public string? PageOrigin { get; init; }
    public required byte[] OperatorTokenSha256 { get; init; }
    public int SubmitPermitsPerMinute { get; init; } = 30;

    /// <summary>Test hook: the clock (UTC).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public static ProviderConfig Load(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(dir, p);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: not valid JSON (line {e.LineNumber + 1}).");
        }
        catch (IOException e)
        {
            throw new ConfigException($"{path}: cannot read the configuration ({e.Message}).");
        }

        using (doc)
        {
            JsonElement r = doc.RootElement;
            string S(string n) => r.TryGetProperty(n, out JsonElement e) && e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s
                ? s : throw new ConfigException($"{path}: \"{n}\" is missing or not a text.");
            string? Opt(string n) => r.TryGetProperty(n, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            int I(string n, int? dflt = null) => r.TryGetProperty(n, out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)
                ? v : dflt ?? throw new ConfigException($"{path}: \"{n}\" is missing or not a whole number.");

            int party = I("party");
            if (party is < 0 or > 2)
            {
                throw new ConfigException($"{path}: \"party\" must be 0, 1 or 2.");
            }

            SignupRound round;
            string roundPath = Resolve(S("round"));
            try
            {
                using FileStream fs = File.OpenRead(roundPath);
                round = SignupRound.Load(fs);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new ConfigException($"{roundPath}: {e.Message}");
            }

            if (!r.TryGetProperty("listen", out JsonElement listen) || listen.ValueKind != JsonValueKind.Array || listen.GetArrayLength() == 0)
            {
                throw new ConfigException($"{path}: \"listen\" must list at least one https:// URL.");
            }

            var urls = new List<Uri>();
            foreach (JsonElement u in listen.EnumerateArray())
            {
                if (u.ValueKind != JsonValueKind.String || !Uri.TryCreate(u.GetString(), UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
                {
                    throw new ConfigException($"{path}: every \"listen\" URL must be https:// with a host and port (HTTP is refused).");
                }

                urls.Add(uri);
            }

            string certPath = Resolve(S("certificate"));
            string? passwordEnv = Opt("certificatePasswordEnv");
            string? password = passwordEnv is null ? null : Environment.GetEnvironmentVariable(passwordEnv);
            X509Certificate2 cert;
            try
            {
                cert = X509CertificateLoader.LoadPkcs12FromFile(certPath, password);
            }
            catch (Exception e) when (e is CryptographicException or IOException)
            {
                throw new ConfigException($"{certPath}: cannot load the provider's key and certificate (.pfx){(passwordEnv is null ? "" : $" with the password from ${passwordEnv}")}: {e.Message}");
            }

            if (!cert.HasPrivateKey)
            {
                throw new ConfigException($"{certPath}: the certificate has no private key.");
            }

            var peers = new List<PeerConfig>();
            if (r.TryGetProperty("peers", out JsonElement ps) && ps.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement p in ps.EnumerateArray())
                {
                    if (!p.TryGetProperty("party", out JsonElement pi) || !pi.TryGetInt32(out int pIndex) || pIndex is < 0 or > 2 || pIndex == party
                        || !p.TryGetProperty("url", out JsonElement pu) || !Uri.TryCreate(pu.GetString(), UriKind.Absolute, out Uri? peerUrl) || peerUrl.Scheme != Uri.UriSchemeHttps
                        || !p.TryGetProperty("certificate", out JsonElement pc) || pc.GetString() is not { Length: > 0 } pcs)
                    {
                        throw new ConfigException($"{path}: every peer needs \"party\" (another provider's index), an https \"url\" and its \"certificate\".");
                    }

                    peers.Add(new PeerConfig(pIndex, peerUrl, Resolve(pcs)));
                }
            }

            byte[] tokenHash;
            try
            {
                tokenHash = Convert.FromHexString(S("operatorTokenSha256"));
            }
            catch (FormatException)
            {
                tokenHash = [];
            }

            if (tokenHash.Length != 32)
            {
                throw new ConfigException($"{path}: \"operatorTokenSha256\" must be the SHA-256 of the operator's token, 64 hex digits (make one with the \"token\" verb).");
            }

            string? invitations = Opt("invitations");
            var hashes = new HashSet<string>(StringComparer.Ordinal);
            if (invitations is not null)
            {
                string invPath = Resolve(invitations);
                try
                {
                    foreach (string line in File.ReadLines(invPath))
                    {
                        string h = line.Trim();
                        if (h.Length == 0 || h.StartsWith('#'))
                        {
                            continue;
                        }

                        if (h.Length != 64 || !h.All(char.IsAsciiHexDigitLower))
                        {
                            throw new ConfigException($"{invPath}: each line must be one code hash (64 lower-case hex digits).");
                        }

                        hashes.Add(h);
                    }
                }
                catch (IOException e)
                {
                    throw new ConfigException($"{invPath}: cannot read the code hashes ({e.Message}).");
                }
            }

            int permits = I("submitPermitsPerMinute", 30);
            if (permits < 1)
            {
                throw new ConfigException($"{path}: \"submitPermitsPerMinute\" must be at least 1.");
            }

            return new ProviderConfig
            {
                Party = party,
                Round = round,
                Listen = urls,
                Certificate = cert,
                Peers = peers,
                DatabasePath = Resolve(S("database")),
                InvitationHashes = hashes,
                PageOrigin = Opt("pageOrigin"),
                OperatorTokenSha256 = tokenHash,
                SubmitPermitsPerMinute = permits,
            };
        }
    }
}

/// <summary>A configuration problem: the message names the file and what is wrong.</summary>
internal sealed class ConfigException(string message) : Exception(message);
