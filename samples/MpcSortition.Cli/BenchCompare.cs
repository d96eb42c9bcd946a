using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// Runs <c>bench lt</c> / <c>bench eq</c>. Without <c>--party</c> it writes three throw-away certificates, picks
/// three loopback ports, starts parties 1 and 2 as child processes of this program and runs party 0 itself; with
/// <c>--party</c> it joins a session (three machines). Inputs come from a fixed public seed so party 0 can check the
/// result, opened to it alone after the timed runs, against plaintext.
/// </summary>
internal static class BenchCompare
{
    private const int Parties = 3;

    internal enum Operation
    {
        LessThan,
        Equal,
    }

    internal sealed record Settings(Operation Operation, int Batch, int Iterations, int? Party, string? Endpoints, string? Cert, string? PeerCerts, TimeSpan Timeout, string Mode);

    internal static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Batch < 1 || s.Iterations < 1 || s.Timeout <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("error: --batch and --iterations must be at least 1 and --timeout positive.");
            return 2;
        }

        if (ParseMode(s.Mode) is null)
        {
            Console.Error.WriteLine($"error: --mode must be unsigned, signed or sign; got '{s.Mode}'.");
            return 2;
        }

        try
        {
            return s.Party is int p ? await JoinAsync(s, p, cancellationToken) : await CoordinateAsync(s, cancellationToken);
        }
        catch (Exception e) when (e is PeerException or IOException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static ComparisonMode? ParseMode(string mode) => mode.ToLowerInvariant() switch
    {
        "unsigned" => ComparisonMode.Unsigned,
        "signed" => ComparisonMode.Signed,
        "sign" => ComparisonMode.SignOfDifference,
        _ => null,
    };

    private static async Task<int> CoordinateAsync(Settings s, CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-bench-").FullName;
        var children = new List<Process>();
        try
        {
            for (int p = 0; p < Parties; p++)
            {
                using X509Certificate2 c = TlsCertificates.CreateSelfSigned($"mpcsortition-bench-party-{p}", TimeSpan.FromDays(1));
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.pfx"), c.Export(X509ContentType.Pkcs12));
                File.WriteAllBytes(Path.Combine(dir, $"party-{p}.cer"), c.Export(X509ContentType.Cert));
            }

            string endpoints = string.Join(',', FreeLoopbackPorts(Parties).Select(p => $"127.0.0.1:{p}"));
            string peerCerts = string.Join(',', Enumerable.Range(0, Parties).Select(p => Path.Combine(dir, $"party-{p}.cer")));
            for (int p = 1; p < Parties; p++)
            {
                children.Add(StartParty(s, p, endpoints, Path.Combine(dir, $"party-{p}.pfx"), peerCerts));
            }

            int rc = await JoinAsync(s with { Endpoints = endpoints, Cert = Path.Combine(dir, "party-0.pfx"), PeerCerts = peerCerts }, 0, cancellationToken);
            foreach (Process child in children)
            {
                if (!child.WaitForExit((int)Math.Min(int.MaxValue, s.Timeout.TotalMilliseconds)) || child.ExitCode != 0)
                {
                    Console.Error.WriteLine($"error: party process {child.Id} failed or did not exit.");
                    rc = 1;
                }
            }

            return rc;
        }
        finally
        {
            foreach (Process child in children)
            {
                try
                {
                    if (!child.HasExited)
                    {
                        child.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }

                child.Dispose();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<int> JoinAsync(Settings s, int party, CancellationToken cancellationToken)
    {
        if ((uint)party >= Parties || s.Endpoints is null || s.Cert is null || s.PeerCerts is null)
        {
            Console.Error.WriteLine("error: --party needs a party index 0..2, --endpoints, --cert and --peer-certs.");
            return 2;
        }

        EndPoint[] endpoints = s.Endpoints.Split(',').Select(ParseEndPoint).ToArray();
        string[] certFiles = s.PeerCerts.Split(',');
        if (endpoints.Length != Parties || certFiles.Length != Parties)
        {
            Console.Error.WriteLine("error: give exactly three endpoints and three peer certificates.");
            return 2;
        }

        using X509Certificate2 own = X509CertificateLoader.LoadPkcs12FromFile(s.Cert, null);
        X509Certificate2[] pinned = certFiles.Select(X509CertificateLoader.LoadCertificateFromFile).ToArray();
        try
        {
            ITransport transport = await TlsTransport.ConnectAsync(
                new TlsTransportOptions
                {
                    PartyIndex = party,
                    Endpoints = endpoints,
                    Certificate = own,
                    PeerCertificates = pinned,
                    ConnectTimeout = s.Timeout,
                    OperationTimeout = s.Timeout,
                },
                cancellationToken);
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(transport, cancellationToken);
            abb.Trace.RecordEntries = false;
            return await MeasureAsync(abb, s, cancellationToken);
        }
        finally
        {
            foreach (X509Certificate2 c in pinned)
            {
                c.Dispose();
            }
        }
    }

    private static async Task<int> MeasureAsync(SemiHonestBlackBox abb, Settings s, CancellationToken cancellationToken)
    {
        // Public test inputs from a fixed seed: party 0 shares x, party 1 shares y (no communication). A quarter of
        // the pairs are equal so that both outcomes of eq occur.
        int m = s.Batch;
        uint[] x = new uint[m], y = new uint[m];
        using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
        {
            prg.Fill(x);
            prg.Fill(y);
        }

        for (int i = 0; i < m; i += 4)
        {
            y[i] = x[i];
        }

        ComparisonMode mode = ParseMode(s.Mode)!.Value;
        if (mode == ComparisonMode.SignOfDifference)
        {
            for (int i = 0; i < m; i++)
            {
                x[i] >>= 1;
                y[i] >>= 1;
            }
        }

        int me = abb.PartyIndex;
        SharedVector sx = await abb.InputAsync(0, me == 0 ? x : default, m, cancellationToken);
        SharedVector sy = await abb.InputAsync(1, me == 1 ? y : default, m, cancellationToken);
        ValueTask<SharedBits> Run() => s.Operation == Operation.LessThan
            ? abb.LessThanAsync(sx, sy, mode, cancellationToken)
            : abb.EqualAsync(sx, sy, cancellationToken);

        SharedBits result = await Run();
        result = await Run(); // warm-up: JIT tiers, TCP windows
        var seconds = new double[s.Iterations];
        long bytesBefore = abb.Trace.BytesSent, roundsBefore = abb.Trace.Rounds;
        for (int i = 0; i < s.Iterations; i++)
        {
            abb.Audit.Clear();
            long start = Stopwatch.GetTimestamp();
            result = await Run();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        long bytesPerBatch = (abb.Trace.BytesSent - bytesBefore) / s.Iterations;
        long roundsPerBatch = (abb.Trace.Rounds - roundsBefore) / s.Iterations;
        ulong[]? opened = await abb.OpenBitsToAsync(result, 0, "bench: comparison results, opened to party 0 for the plaintext check", cancellationToken);
        if (me != 0)
        {
            return 0;
        }

        for (int i = 0; i < m; i++)
        {
            bool expected = s.Operation == Operation.Equal ? x[i] == y[i]
                : mode == ComparisonMode.Signed ? (int)x[i] < (int)y[i]
                : x[i] < y[i];
            if ((((opened![i >> 6] >> (i & 63)) & 1) == 1) != expected)
            {
                Console.Error.WriteLine($"error: result {i} differs from the plaintext comparison.");
                return 1;
            }
        }

        Array.Sort(seconds);
        double median = seconds[seconds.Length / 2];
        string name = s.Operation == Operation.LessThan ? "lt" : "eq";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} batch={m} seconds={median:0.000000} ops_per_s={m / median:0} bytes_per_party={bytesPerBatch} rounds={roundsPerBatch}"));
        return 0;
    }

    private static Process StartParty(Settings s, int party, string endpoints, string cert, string peerCerts)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's executable to start the other parties.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(BenchCompare).Assembly.Location);
        }

        string verb = s.Operation == Operation.LessThan ? "lt" : "eq";
        string[] args =
        [
            "bench", verb, "--batch", s.Batch.ToString(CultureInfo.InvariantCulture), "--iterations", s.Iterations.ToString(CultureInfo.InvariantCulture),
            "--party", party.ToString(CultureInfo.InvariantCulture), "--endpoints", endpoints, "--cert", cert, "--peer-certs", peerCerts,
            "--timeout", s.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (s.Operation == Operation.LessThan)
        {
            start.ArgumentList.Add("--mode");
            start.ArgumentList.Add(s.Mode);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start party {party}.");
    }

    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    private static EndPoint ParseEndPoint(string text)
    {
        text = text.Trim();
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0)
        {
            return ip;
        }

        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
        {
            return new DnsEndPoint(text[..colon], port);
        }

        throw new ArgumentException($"'{text}' is not host:port.");
    }
}
