using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Samples;

namespace MpcSortition.Ballot;

/// <summary>A peer counter: its index, its HTTPS URL and its pinned certificate (public part).</summary>
internal sealed record PeerCounter(int Party, Uri Url, X509Certificate2 Certificate, System.Net.EndPoint? Mpc = null);

/// <summary>
/// One counter's configuration. From a file (<c>serve --config counter-1.json</c>, paths relative to the file):
/// <c>{"party","round","listen":["https://…"],"certificate":"….pfx","certificatePasswordEnv","peers":[{"party","url","certificate":"….cer"}],
/// "database","voterCodes":"code-hashes.txt","pageOrigin","operatorTokenSha256","submitPermitsPerMinute","page","mpc","engine"}</c>.
/// <c>"engine"</c> (optional) is the black box of the count's validity check: <c>"replicated"</c> (the default, the
/// library's) or <c>"beaver"</c>; the three counters must set the same, and a count with a peer on another engine is
/// refused before any share is used.
/// </summary>
internal sealed class BallotConfig
{
    public required int Party { get; init; }

    public required BallotRound Round { get; init; }

    public required IReadOnlyList<Uri> Listen { get; init; }

    public required X509Certificate2 Certificate { get; init; }

    public IReadOnlyList<PeerCounter> Peers { get; init; } = [];

    public required string DatabasePath { get; init; }

    /// <summary>The salted hashes of the voter codes issued for this round (<see cref="Selection.Intake.InvitationCode.Hash"/>).</summary>
    public required IReadOnlySet<string> VoterCodeHashes { get; init; }

    public string? PageOrigin { get; init; }

    /// <summary>A folder with the ballot page to serve at <c>/</c> (counter 0 usually), or null.</summary>
    public string? PageDirectory { get; init; }

    public required byte[] OperatorTokenSha256 { get; init; }

    public int SubmitPermitsPerMinute { get; init; } = 30;

    /// <summary>Where this counter listens for the count's MPC links (mutual TLS with the peers' pinned certificates), or null.</summary>
    public System.Net.IPEndPoint? MpcListen { get; init; }

    /// <summary>How long <c>POST /operator/count</c> waits for both peers to connect.</summary>
    public TimeSpan MpcConnectTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The black box of the count (<c>"engine"</c>; default <see cref="EngineSetting.Default"/>).</summary>
    public BlackBoxEngine Engine { get; init; } = EngineSetting.Default;

    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public static BallotConfig Load(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        JsonElement root;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new BallotFileException($"{path}: cannot read the configuration ({e.Message}).");
        }

        string Str(string name) => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()! : throw new BallotFileException($"{path}: \"{name}\" is missing or not a string.");
        string Rel(string p) => Path.GetFullPath(Path.Combine(dir, p));
        int party = root.TryGetProperty("party", out JsonElement pe) && pe.TryGetInt32(out int pv) && pv is >= 0 and <= 2
            ? pv : throw new BallotFileException($"{path}: \"party\" must be 0, 1 or 2.");
        BallotRound round = BallotRound.Load(Rel(Str("round")));
        var listen = new List<Uri>();
        if (root.TryGetProperty("listen", out JsonElement le) && le.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement u in le.EnumerateArray())
            {
                if (!Uri.TryCreate(u.GetString(), UriKind.Absolute, out Uri? url) || url.Scheme != "https")
                {
                    throw new BallotFileException($"{path}: \"listen\": every address must be https:// (this service never serves plain HTTP).");
                }

                listen.Add(url);
            }
        }

        if (listen.Count == 0)
        {
            throw new BallotFileException($"{path}: \"listen\" must list at least one https:// address.");
        }

        string? password = root.TryGetProperty("certificatePasswordEnv", out JsonElement pw) ? Environment.GetEnvironmentVariable(pw.GetString() ?? "") : null;
        X509Certificate2 cert;
        try
        {
            cert = X509CertificateLoader.LoadPkcs12FromFile(Rel(Str("certificate")), password);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new BallotFileException($"{path}: \"certificate\": cannot load the .pfx ({e.Message}).");
        }

        var peers = new List<PeerCounter>();
        if (root.TryGetProperty("peers", out JsonElement ps) && ps.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement p in ps.EnumerateArray())
            {
                peers.Add(new PeerCounter(p.GetProperty("party").GetInt32(), new Uri(p.GetProperty("url").GetString()!),
                    X509CertificateLoader.LoadCertificateFromFile(Rel(p.GetProperty("certificate").GetString()!)),
                    p.TryGetProperty("mpc", out JsonElement mpc) ? EndPointOf(path, mpc.GetString()) : null));
            }
        }

        BlackBoxEngine engine = EngineSetting.Read(root, path, message => new BallotFileException(message));
        string codes = Rel(Str("voterCodes"));
        var hashes = File.ReadAllLines(codes).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        return new BallotConfig
        {
            Party = party,
            Engine = engine,
            Round = round,
            Listen = listen,
            Certificate = cert,
            Peers = peers,
            DatabasePath = Rel(Str("database")),
            VoterCodeHashes = hashes,
            PageOrigin = root.TryGetProperty("pageOrigin", out JsonElement po) ? po.GetString() : null,
            PageDirectory = root.TryGetProperty("page", out JsonElement pg) && pg.GetString() is { } pd ? Rel(pd) : null,
            OperatorTokenSha256 = Convert.FromHexString(Str("operatorTokenSha256")),
            SubmitPermitsPerMinute = root.TryGetProperty("submitPermitsPerMinute", out JsonElement sp) ? sp.GetInt32() : 30,
            MpcListen = root.TryGetProperty("mpc", out JsonElement ml) ? EndPointOf(path, ml.GetString()) as System.Net.IPEndPoint
                ?? throw new BallotFileException($"{path}: \"mpc\": give this counter's listening address as IP:port.") : null,
        };
    }

    private static System.Net.EndPoint EndPointOf(string path, string? text)
    {
        if (System.Net.IPEndPoint.TryParse(text ?? "", out System.Net.IPEndPoint? ip) && ip.Port > 0)
        {
            return ip;
        }

        int colon = text?.LastIndexOf(':') ?? -1;
        return colon > 0 && int.TryParse(text![(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int port)
            ? new System.Net.DnsEndPoint(text[..colon], port)
            : throw new BallotFileException($"{path}: \"mpc\": host:port expected, not '{text}'.");
    }
}
