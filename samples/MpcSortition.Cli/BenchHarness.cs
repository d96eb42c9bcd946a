using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// The process and connection logic shared by the <c>bench</c> verbs. Without <c>--party</c> it creates three
/// throw-away certificates and loopback ports, starts parties 1 and 2 as child processes of this program and runs
/// party 0 itself; with <c>--party</c> it joins a session (three machines). The verb supplies only the child's
/// arguments and what to measure once connected.
/// </summary>
internal static class BenchHarness
{
    /// <summary>Where the parties are and how to authenticate them (the <c>--party</c> group of options).</summary>
    internal sealed record Connection(int? Party, string? Endpoints, string? Cert, string? PeerCerts, TimeSpan Timeout, string Engine = "replicated")
    {
        /// <summary>SIMULATION: the latency and bandwidth of <c>--latency</c> and <c>--bandwidth</c>, or null.</summary>
        internal NetworkConditions? Network { get; init; }

        /// <summary>Why --latency or --bandwidth did not parse, or null.</summary>
        internal string? NetworkError { get; init; }

        /// <summary>The options that make a child process join as <paramref name="party"/>.</summary>
        internal IEnumerable<string> JoinArguments(int party) =>
        [
            "--party", party.ToString(CultureInfo.InvariantCulture), "--endpoints", Endpoints!, "--cert", Cert!, "--peer-certs", PeerCerts!,
            "--timeout", Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--engine", Engine,
            .. NetworkSimulation.Arguments(Network),
        ];
    }

    /// <summary>The <c>--party</c>, <c>--endpoints</c>, <c>--cert</c>, <c>--peer-certs</c> and <c>--timeout</c> options of a bench verb.</summary>
    internal sealed class ConnectionOptions
    {
        private readonly Option<int?> _party = new("--party") { Description = "Join as this party (0, 1 or 2) instead of starting all three locally." };
        private readonly Option<string?> _endpoints = new("--endpoints") { Description = "host:port of parties 0,1,2, comma-separated (with --party)." };
        private readonly Option<string?> _cert = new("--cert") { Description = "This party's certificate with private key, PKCS#12 (.pfx) (with --party)." };
        private readonly Option<string?> _peerCerts = new("--peer-certs") { Description = "Pinned certificates (.cer) of parties 0,1,2, comma-separated (with --party)." };
        private readonly Option<double> _timeout = new("--timeout") { Description = "Seconds a send/receive or the set-up may take before the run fails.", DefaultValueFactory = _ => 60 };
        private readonly NetworkSimulation _network = new();
        private readonly Option<string> _engine = new("--engine") { Description = "The black box: replicated (replicated shares; default, as everywhere else: it measured cheaper in CPU and bytes on every verb) or beaver (additive shares, Beaver triples). The result line names it.", DefaultValueFactory = _ => "replicated" };

        /// <summary>Adds the options to <paramref name="command"/>.</summary>
        internal void AddTo(Command command)
        {
            command.Add(_party);
            command.Add(_endpoints);
            command.Add(_cert);
            command.Add(_peerCerts);
            command.Add(_timeout);
            command.Add(_engine);
            _network.AddTo(command);
        }

        /// <summary>Reads the options' values.</summary>
        internal Connection Read(ParseResult parse)
        {
            (string? latency, string? bandwidth) = _network.Read(parse);
            var connection = new Connection(parse.GetValue(_party), parse.GetValue(_endpoints), parse.GetValue(_cert), parse.GetValue(_peerCerts), TimeSpan.FromSeconds(parse.GetValue(_timeout)), parse.GetValue(_engine) ?? "replicated");
            try
            {
                return connection with { Network = NetworkSimulation.Parse(latency, bandwidth) };
            }
            catch (FormatException e)
            {
                return connection with { NetworkError = e.Message };
            }
        }
    }

    /// <summary>Runs a benchmark as a joining party or as the coordinator of three local processes.</summary>
    /// <param name="connection">The party options.</param>
    /// <param name="verbArguments">The verb and its own options, for the child processes (the join options are appended).</param>
    /// <param name="measure">What each party does once connected; returns the exit code.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>0 on success, 1 on a failure, 2 on bad options.</returns>
    internal static async Task<int> RunAsync(Connection connection, IReadOnlyList<string> verbArguments, Func<IArithmeticBlackBox, Task<int>> measure, CancellationToken cancellationToken)
    {
        if (connection.Timeout <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("error: --timeout must be positive.");
            return 2;
        }

        if (connection.NetworkError is string networkError)
        {
            Console.Error.WriteLine($"error: {networkError}");
            return 2;
        }

        if (!BlackBoxEngines.TryParse(connection.Engine, out _))
        {
            Console.Error.WriteLine("error: --engine must be beaver or replicated.");
            return 2;
        }

        try
        {
            return connection.Party is int p
                ? await JoinAsync(connection, p, measure, cancellationToken)
                : await CoordinateAsync(connection, verbArguments, measure, cancellationToken);
        }
        catch (Exception e) when (e is PeerException or IOException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> CoordinateAsync(Connection connection, IReadOnlyList<string> verbArguments, Func<IArithmeticBlackBox, Task<int>> measure, CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-bench-").FullName;
        var children = new List<Process>();
        try
        {
            LocalParties.WriteCertificates(dir, TimeSpan.FromDays(1), password: null, log: null);
            Connection local = connection with
            {
                Endpoints = LocalParties.FreeLoopbackEndpoints(),
                PeerCerts = LocalParties.PublicCertificates(dir),
            };
            using var childFailed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            for (int party = 1; party < LocalParties.Parties; party++)
            {
                Process child = LocalParties.StartSelf(
                    [.. verbArguments, .. (local with { Cert = LocalParties.PrivateCertificate(dir, party) }).JoinArguments(party)],
                    redirect: false);
                children.Add(child);

                // A child that fails (for example before connecting) must not leave party 0 waiting for its timeout.
                child.EnableRaisingEvents = true;
                child.Exited += (_, _) =>
                {
                    try
                    {
                        if (child.ExitCode != 0)
                        {
                            childFailed.Cancel();
                        }
                    }
                    catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
                    {
                        // The run is already over (children are killed in the finally block below).
                    }
                };
            }

            int rc;
            try
            {
                rc = await JoinAsync(local with { Cert = LocalParties.PrivateCertificate(dir, 0) }, 0, measure, childFailed.Token);
            }
            catch (Exception) when (childFailed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("error: a party process failed (see its message above); party 0 stopped.");
                return 1;
            }

            foreach (Process child in children)
            {
                if (!child.WaitForExit((int)Math.Min(int.MaxValue, connection.Timeout.TotalMilliseconds)))
                {
                    Console.Error.WriteLine($"error: party process {child.Id} did not exit.");
                    rc = 1;
                }
                else if (child.ExitCode != 0)
                {
                    rc = 1;
                }
            }

            return rc;
        }
        finally
        {
            LocalParties.KillAll(children);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<int> JoinAsync(Connection connection, int party, Func<IArithmeticBlackBox, Task<int>> measure, CancellationToken cancellationToken)
    {
        if ((uint)party >= LocalParties.Parties || connection.Endpoints is null || connection.Cert is null || connection.PeerCerts is null)
        {
            Console.Error.WriteLine("error: --party needs a party index 0..2, --endpoints, --cert and --peer-certs.");
            return 2;
        }

        EndPoint[] endpoints = connection.Endpoints.Split(',').Select(LocalParties.ParseEndPoint).ToArray();
        string[] certFiles = connection.PeerCerts.Split(',');
        if (endpoints.Length != LocalParties.Parties || certFiles.Length != LocalParties.Parties)
        {
            Console.Error.WriteLine("error: give exactly three endpoints and three peer certificates.");
            return 2;
        }

        using X509Certificate2 own = X509CertificateLoader.LoadPkcs12FromFile(connection.Cert, null);
        X509Certificate2[] pinned = certFiles.Select(X509CertificateLoader.LoadCertificateFromFile).ToArray();
        try
        {
            var options = new TlsTransportOptions
            {
                PartyIndex = party,
                Endpoints = endpoints,
                Certificate = own,
                PeerCertificates = pinned,
                ConnectTimeout = connection.Timeout,
                OperationTimeout = connection.Timeout,
            };
            ITransport transport = NetworkSimulation.Wrap(await TlsTransport.ConnectAsync(options, cancellationToken), connection.Network);
            BlackBoxEngines.TryParse(connection.Engine, out BlackBoxEngine engine);
            await using IArithmeticBlackBox abb = await BlackBoxEngines.CreateAsync(transport, engine, cancellationToken);
            Console.Error.WriteLine($"party {party}: connected ({engine})");
            return await measure(abb);
        }
        finally
        {
            foreach (X509Certificate2 c in pinned)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>Writes this party's process CPU time per timed batch to standard error (every party; the result line
    /// on standard output stays one line). CPU time is the figure to compare on a loaded machine: it does not count the
    /// time spent waiting for a core.</summary>
    internal static void ReportCpu(int party, TimeSpan cpu, int iterations) => ReportCpu(party, cpu, TimeSpan.Zero, iterations);

    /// <summary>As <see cref="ReportCpu(int, TimeSpan, int)"/>, with the kernel-mode part (sockets, TCP) given separately.</summary>
    internal static void ReportCpu(int party, TimeSpan cpu, TimeSpan kernel, int iterations) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu party={party} process_cpu_ms_per_batch={cpu.TotalMilliseconds / iterations:0.0} kernel_ms_per_batch={kernel.TotalMilliseconds / iterations:0.0}"));

    /// <summary>Formats the one result line every bench verb prints.</summary>
    /// <remarks>The line ends with <c> engine=replicated</c> or <c> engine=beaver</c>, so that every figure says which engine
    /// it measured (until the default became replicated, a Beaver line had no engine field).</remarks>
    internal static string ResultLine(string name, int batch, double[] seconds, long bytesPerBatch, long roundsPerBatch, IArithmeticBlackBox? abb = null, string? extra = null)
    {
        Array.Sort(seconds);
        double median = seconds[seconds.Length / 2];
        string engine = abb is ReplicatedBlackBox ? " engine=replicated" : " engine=beaver";
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} batch={batch} seconds={median:0.000000} ops_per_s={batch / median:0} bytes_per_party={bytesPerBatch} rounds={roundsPerBatch}{extra}{engine}");
    }
}
