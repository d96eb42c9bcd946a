using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace MpcSortition.Cli;

/// <summary>The settings of one provider node, from flags and/or a JSON file (flags win).</summary>
internal sealed class NodeConfig
{
    public int? Party { get; set; }

    /// <summary>host:port of parties 0, 1, 2.</summary>
    public string[]? Endpoints { get; set; }

    /// <summary>Local address to listen on (default: this party's entry of <see cref="Endpoints"/>).</summary>
    public string? Listen { get; set; }

    /// <summary>This provider's certificate with private key (PKCS#12).</summary>
    public string? Cert { get; set; }

    /// <summary>The pinned public certificates of parties 0, 1, 2.</summary>
    public string[]? PeerCerts { get; set; }

    /// <summary>Holds round.json and party-i.shares.</summary>
    public string? Data { get; set; }

    public string? Round { get; set; }

    public string? Shares { get; set; }

    /// <summary>Where the node writes its outputs (default: <see cref="Data"/>).</summary>
    public string? Out { get; set; }

    public string? Strategy { get; set; }

    public int? Attempts { get; set; }

    public double? Timeout { get; set; }

    /// <summary>Open the panel's composition to the analyser too (default false).</summary>
    public bool? RevealComposition { get; set; }

    /// <summary>Testing and audits only: a public tape from this seed.</summary>
    public string? PublicSeed { get; set; }

    /// <summary>Run a round again that ran before (every provider must ask; recorded in the run log).</summary>
    public bool? NewRun { get; set; }

    /// <summary>The black box: beaver or replicated (default replicated); the same at every provider.</summary>
    public string? Engine { get; set; }

    /// <summary>Attempts per batch: "auto" (default) or a whole number ≥ 1 (a JSON number or string); the same at every provider.</summary>
    public JsonElement? ParallelAttempts { get; set; }

    /// <summary>SIMULATION: one-way latency added to every message (e.g. "10ms").</summary>
    public string? Latency { get; set; }

    /// <summary>SIMULATION: bandwidth cap per link (e.g. "1Gbit").</summary>
    public string? Bandwidth { get; set; }

    internal static NodeConfig Load(string path) =>
        JsonSerializer.Deserialize<NodeConfig>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
        ?? throw new JsonException("the file is empty");
}

/// <summary><c>node</c>: one service provider's process.</summary>
internal static class NodeCommand
{
    internal static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON file with any of: party, endpoints, listen, cert, peerCerts, data, round, shares, out, strategy, attempts, timeout, revealComposition, publicSeed, newRun, engine, parallelAttempts, latency, bandwidth. Flags override it." };
        var party = new Option<int?>("--party") { Description = "This provider's index: 0 (the analyser's provider, receives the panel), 1 or 2." };
        var endpoints = new Option<string?>("--endpoints") { Description = "host:port of providers 0,1,2, comma-separated (the same list at every provider)." };
        var listen = new Option<string?>("--listen") { Description = "Local address to listen on, e.g. 0.0.0.0:7000 (default: this provider's entry of --endpoints)." };
        var cert = new Option<string?>("--cert") { Description = "This provider's certificate with private key (.pfx)." };
        var peerCerts = new Option<string?>("--peer-certs") { Description = "Pinned public certificates (.cer) of providers 0,1,2, comma-separated." };
        var data = new Option<string?>("--data") { Description = "Data directory with round.json and party-<i>.shares; outputs go here too unless --out is given." };
        var round = new Option<string?>("--round") { Description = "The public round file (default: DATA/round.json)." };
        var shares = new Option<string?>("--shares") { Description = "This provider's share file (default: DATA/party-<i>.shares)." };
        var outDir = new Option<string?>("--out") { Description = "Output directory (default: the data directory). Provider 0 writes panel.csv, quotas.csv and report.html there." };
        var strategy = new Option<string?>("--strategy") { Description = "legacy (default), legacy-clamped or two-phase; the same at every provider." };
        var attempts = new Option<int?>("--attempts") { Description = "Attempts before giving up (default 100); the same at every provider." };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds that set-up, or one send or receive, may take before the node fails (default 60, at most 86400)." };
        var revealComposition = new Option<bool>("--reveal-composition")
        {
            Description = "Also open the panel's composition (members per feature value) to the analyser, for the quota table. Off by default: it is leakage beyond the panel "
                + "(a count of 0 or k tells the analyser every member's value). The same at every provider.",
        };
        var publicSeed = new Option<string?>("--public-seed")
        {
            Description = "TESTING AND AUDITS ONLY: use the public tape of this seed (every provider sees the random words; the panel is then the reference's panel "
                + "for this seed). Must match the commitment in round.json. Without it the providers draw joint randomness that none of them knows.",
        };
        var newRun = new Option<bool>("--new-run")
        {
            Description = "Run a round again that already ran (one round, one draw: a second run is refused without it). All three providers must give it; "
                + "the run log records the new run and every later report names the earlier runs.",
        };
        var engine = new Option<string?>("--engine") { Description = "The black box: replicated (default; replicated shares, measured faster) or beaver (additive shares, Beaver triples); the same at every provider." };
        var parallelAttempts = new Option<string?>("--parallel-attempts")
        {
            Description = "Attempts run as one batched computation: auto (default: ⌊131 072 / (n·V)⌋ between 1 and 16, so 16 for small pools and 1 from n·V > 65 536) or a whole number ≥ 1 "
                + "(1 = one after another). Same panel, attempt number and leakage either way; the same at every provider.",
        };
        var command = new Command("node", "Run one service provider (the .pfx password comes from " + PfxPassword.Variable + " or is asked on the terminal): load its shares, connect to the other two over mutually authenticated TLS, run the secure selection, sign the transcript. Exit codes: 0 success, 1 a peer or the network failed, 2 bad configuration or input files, 3 no panel found, 5 the round already ran here (give --new-run at all three providers) or the run log was tampered with.")
        {
            config, party, endpoints, listen, cert, peerCerts, data, round, shares, outDir, strategy, attempts, timeout, revealComposition, publicSeed, newRun, engine, parallelAttempts,
        };
        var network = new NetworkSimulation();
        network.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            NodeConfig c;
            try
            {
                c = parse.GetValue(config) is string path ? NodeConfig.Load(path) : new NodeConfig();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                return Cli.Fail(2, $"cannot read the node configuration: {e.Message}");
            }

            static string[]? List(string? text) => text?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            c.Party = parse.GetValue(party) ?? c.Party;
            c.Endpoints = List(parse.GetValue(endpoints)) ?? c.Endpoints;
            c.Listen = parse.GetValue(listen) ?? c.Listen;
            c.Cert = parse.GetValue(cert) ?? c.Cert;
            c.PeerCerts = List(parse.GetValue(peerCerts)) ?? c.PeerCerts;
            c.Data = parse.GetValue(data) ?? c.Data;
            c.Round = parse.GetValue(round) ?? c.Round;
            c.Shares = parse.GetValue(shares) ?? c.Shares;
            c.Out = parse.GetValue(outDir) ?? c.Out;
            c.Strategy = parse.GetValue(strategy) ?? c.Strategy;
            c.Attempts = parse.GetValue(attempts) ?? c.Attempts;
            c.Timeout = parse.GetValue(timeout) ?? c.Timeout;
            c.RevealComposition = parse.GetValue(revealComposition) ? true : c.RevealComposition;
            c.PublicSeed = parse.GetValue(publicSeed) ?? c.PublicSeed;
            c.NewRun = parse.GetValue(newRun) ? true : c.NewRun;
            c.Engine = parse.GetValue(engine) ?? c.Engine;
            c.ParallelAttempts = parse.GetValue(parallelAttempts) is string batch ? JsonSerializer.SerializeToElement(batch) : c.ParallelAttempts;
            (string? latency, string? bandwidth) = network.Read(parse);
            c.Latency = latency ?? c.Latency;
            c.Bandwidth = bandwidth ?? c.Bandwidth;
            return await ProviderNode.RunAsync(c, ct);
        });
        return command;
    }

    /// <summary>The command line of a local node (used by quickstart and the tests' documentation).</summary>
    internal static List<string> Arguments(int party, string endpoints, string certDir, string dataDir, string strategy, int attempts, double timeout, bool revealComposition, string? publicSeed, string engine = "replicated", string parallelAttempts = "auto")
    {
        var args = new List<string>
        {
            "node", "--party", party.ToString(CultureInfo.InvariantCulture), "--endpoints", endpoints,
            "--cert", LocalParties.PrivateCertificate(certDir, party), "--peer-certs", LocalParties.PublicCertificates(certDir),
            "--data", dataDir, "--strategy", strategy, "--attempts", attempts.ToString(CultureInfo.InvariantCulture),
            "--timeout", timeout.ToString(CultureInfo.InvariantCulture), "--engine", engine, "--parallel-attempts", parallelAttempts,
        };
        if (revealComposition)
        {
            args.Add("--reveal-composition");
        }

        if (publicSeed is not null)
        {
            args.AddRange(["--public-seed", publicSeed]);
        }

        return args;
    }
}
