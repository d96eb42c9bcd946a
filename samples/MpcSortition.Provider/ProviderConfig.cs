using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Samples;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>One peer provider: its public URL, the certificate it must present (HTTPS and MPC links), and where it
/// listens for the selection's MPC links (null when not configured: the provider can take sign-ups but not select).</summary>
internal sealed record PeerConfig(int Party, Uri Url, string CertificatePath, EndPoint? Mpc = null);

/// <summary>
/// A provider's configuration file (JSON). Paths are relative to the file. Example:
/// <code>
/// { "party": 0, "round": "round.json", "listen": ["https://127.0.0.1:7443"],
///   "certificate": "party-0.pfx", "certificatePasswordEnv": "PROVIDER_PFX_PASSWORD",
///   "peers": [ { "party": 1, "url": "https://b.example.org:7443", "certificate": "party-1.cer" }, … ],
///   "database": "data/intake.db", "invitations": "code-hashes.txt", "pageOrigin": "https://signup.example.org",
///   "operatorTokenSha256": "…64 hex…", "submitPermitsPerMinute": 30,
///   "mpc": "0.0.0.0:7543", "mpcConnectTimeoutSeconds": 300, "engine": "replicated",
///   "records": { … } }
/// </code>
/// The optional <c>"records"</c> section (Design 2: the tax office's records joined to the pool) is described at
/// <see cref="RecordsConfig"/>.
/// Each peer also has <c>"mpc": "host:port"</c>, where it listens for the selection's mutually authenticated TLS links
/// (the same certificates as HTTPS). <c>"engine"</c> (optional) is the black box of the selection's MPC, its intake
/// check and its contact opening: <c>"replicated"</c> (the default, the library's) or <c>"beaver"</c>; the three
/// providers must set the same, and a selection with a peer on another engine is refused before any secret is used.
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

    /// <summary>Where this provider listens for its peers' MPC links during the selection (null: not configured).</summary>
    public IPEndPoint? MpcListen { get; init; }

    /// <summary>How long the selection waits for the peers' MPC links (their operators start their selections too).</summary>
    public TimeSpan MpcConnectTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The black box of the selection (<c>"engine"</c>; default <see cref="EngineSetting.Default"/>).</summary>
    public BlackBoxEngine Engine { get; init; } = EngineSetting.Default;

    /// <summary>Design 2: the tax office's records to join to the pool before the selection (null: the plain selection).</summary>
    public RecordsConfig? Records { get; init; }

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

                    EndPoint? mpc = null;
                    if (p.TryGetProperty("mpc", out JsonElement pm))
                    {
                        mpc = ParseEndPoint(pm.ValueKind == JsonValueKind.String ? pm.GetString() : null)
                            ?? throw new ConfigException($"{path}: peer {pIndex}'s \"mpc\" must be host:port (where it listens for the selection's MPC links).");
                    }

                    peers.Add(new PeerConfig(pIndex, peerUrl, Resolve(pcs), mpc));
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

            IPEndPoint? mpcListen = null;
            if (Opt("mpc") is { } mpcText)
            {
                mpcListen = ParseEndPoint(mpcText) as IPEndPoint
                    ?? throw new ConfigException($"{path}: \"mpc\" must be an IP address and port (where this provider listens for its peers' MPC links), e.g. 0.0.0.0:7543.");
            }

            int mpcTimeout = I("mpcConnectTimeoutSeconds", 300);
            if (mpcTimeout is < 1 or > 86_400)
            {
                throw new ConfigException($"{path}: \"mpcConnectTimeoutSeconds\" must be 1 to 86400.");
            }

            BlackBoxEngine engine = EngineSetting.Read(r, path, message => new ConfigException(message));
            RecordsConfig? records = r.TryGetProperty("records", out JsonElement rec) && rec.ValueKind != JsonValueKind.Null
                ? RecordsConfig.Parse(rec, path, Resolve) : null;

            return new ProviderConfig
            {
                Records = records,
                Engine = engine,
                MpcListen = mpcListen,
                MpcConnectTimeout = TimeSpan.FromSeconds(mpcTimeout),
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

    /// <summary>"1.2.3.4:7543", "[::1]:7543" or "host.example.org:7543"; null when it is none of these.</summary>
    internal static EndPoint? ParseEndPoint(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port > 0)
        {
            return ip;
        }

        int colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), out int port) && port is > 0 and < 65536 && Uri.CheckHostName(text[..colon]) == UriHostNameType.Dns
            ? new DnsEndPoint(text[..colon], port)
            : null;
    }
}

/// <summary>A configuration problem: the message names the file and what is wrong.</summary>
internal sealed class ConfigException(string message) : Exception(message);
