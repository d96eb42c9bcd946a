using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics.Tensors;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// <c>bench mul</c>: without <c>--party</c> it creates three certificates and ports, starts parties 1 and 2 as child
/// processes of this program and runs party 0 itself; with <c>--party</c> it joins a session (three machines).
/// The inputs come from a fixed public seed, so party 0 can check the opened product against plaintext.
/// </summary>
internal static class BenchMul
{
    private const int Parties = 3;

    internal sealed record Settings(int Batch, int Iterations, int Warmup, int? Party, string? Endpoints, string? Cert, string? PeerCerts, TimeSpan Timeout);

    internal static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if (s.Batch < 1 || s.Iterations < 1 || s.Warmup < 0 || s.Timeout <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("error: --batch and --iterations must be at least 1, --warmup at least 0 and --timeout positive.");
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

    internal static int WriteCertificates(string directory)
    {
        LocalParties.WriteCertificates(directory, TimeSpan.FromDays(30), Console.Out);
        return 0;
    }

    private static async Task<int> CoordinateAsync(Settings s, CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("mpcsortition-bench-").FullName;
        var children = new List<Process>();
        try
        {
            LocalParties.WriteCertificates(dir, TimeSpan.FromDays(1), log: null);
            string endpoints = LocalParties.FreeLoopbackEndpoints();
            string peerCerts = LocalParties.PublicCertificates(dir);
            using var childFailed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            for (int party = 1; party < Parties; party++)
            {
                Process child = StartChild(s, party, endpoints, Path.Combine(dir, $"party-{party}.pfx"), peerCerts);
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
                rc = await JoinAsync(s with { Endpoints = endpoints, Cert = Path.Combine(dir, "party-0.pfx"), PeerCerts = peerCerts }, 0, childFailed.Token);
            }
            catch (Exception) when (childFailed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("error: a party process failed (see its message above); party 0 stopped.");
                return 1;
            }

            foreach (Process child in children)
            {
                if (!child.WaitForExit((int)Math.Min(int.MaxValue, s.Timeout.TotalMilliseconds)))
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

    private static async Task<int> JoinAsync(Settings s, int party, CancellationToken cancellationToken)
    {
        if ((uint)party >= Parties || s.Endpoints is null || s.Cert is null || s.PeerCerts is null)
        {
            Console.Error.WriteLine("error: --party needs a party index 0..2, --endpoints, --cert and --peer-certs.");
            return 2;
        }

        EndPoint[] endpoints = s.Endpoints.Split(',').Select(LocalParties.ParseEndPoint).ToArray();
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
            var options = new TlsTransportOptions
            {
                PartyIndex = party,
                Endpoints = endpoints,
                Certificate = own,
                PeerCertificates = pinned,
                ConnectTimeout = s.Timeout,
                OperationTimeout = s.Timeout,
            };
            ITransport transport = await TlsTransport.ConnectAsync(options, cancellationToken);
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(transport, cancellationToken);
            Console.Error.WriteLine($"party {party}: connected");

            // Public test inputs from a fixed seed: party 0 shares x, party 1 shares y (no communication).
            uint[] x = new uint[s.Batch], y = new uint[s.Batch];
            using (var prg = new AesCtrPrg(new byte[AesCtrPrg.SeedSize]))
            {
                prg.Fill(x);
                prg.Fill(y);
            }

            SharedVector sx = await abb.InputAsync(0, party == 0 ? x : default, s.Batch, cancellationToken);
            SharedVector sy = await abb.InputAsync(1, party == 1 ? y : default, s.Batch, cancellationToken);
            SharedVector product = sx;
            for (int w = 0; w < s.Warmup; w++)
            {
                product = await abb.MultiplyAsync(sx, sy, cancellationToken); // warm-up: JIT tiers, TCP windows
            }

            var seconds = new double[s.Iterations];
            long bytesBefore = abb.Trace.BytesSent, roundsBefore = abb.Trace.Rounds;
            for (int i = 0; i < s.Iterations; i++)
            {
                long start = Stopwatch.GetTimestamp();
                product = await abb.MultiplyAsync(sx, sy, cancellationToken);
                seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            long bytesPerBatch = (abb.Trace.BytesSent - bytesBefore) / s.Iterations;
            long roundsPerBatch = (abb.Trace.Rounds - roundsBefore) / s.Iterations;
            uint[]? opened = await abb.OpenToAsync(product, 0, "bench: product, opened to party 0 for the plaintext check", cancellationToken);
            if (party != 0)
            {
                return 0;
            }

            var expected = new uint[s.Batch];
            TensorPrimitives.Multiply(x, y, expected);
            if (!opened!.AsSpan().SequenceEqual(expected))
            {
                Console.Error.WriteLine("error: the opened product differs from the plaintext product.");
                return 1;
            }

            Array.Sort(seconds);
            double median = seconds[seconds.Length / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mul batch={s.Batch} seconds={median:0.000000} ops_per_s={s.Batch / median:0} bytes_per_party={bytesPerBatch} rounds={roundsPerBatch}"));
            return 0;
        }
        finally
        {
            foreach (X509Certificate2 c in pinned)
            {
                c.Dispose();
            }
        }
    }

    private static Process StartChild(Settings s, int party, string endpoints, string cert, string peerCerts)
    {
        return LocalParties.StartSelf(
            [
                "bench", "mul", "--batch", s.Batch.ToString(CultureInfo.InvariantCulture), "--iterations", s.Iterations.ToString(CultureInfo.InvariantCulture), "--warmup", s.Warmup.ToString(CultureInfo.InvariantCulture),
                "--party", party.ToString(CultureInfo.InvariantCulture), "--endpoints", endpoints, "--cert", cert, "--peer-certs", peerCerts,
                "--timeout", s.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ],
            redirect: false);
    }
}
