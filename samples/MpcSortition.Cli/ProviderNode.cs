using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Cli;

/// <summary>
/// One provider's run: check the round and share files, connect to the peers over mutually authenticated TLS, agree
/// that every provider holds the same round and settings, run the secure selection, and at provider 0 (the analyser's)
/// write the panel and the report. Progress and failures go to standard error, prefixed with the party.
/// </summary>
internal static class ProviderNode
{
    /// <summary>Audit-free public hello before the session: 32-byte session digest and 32-byte tape commitment.</summary>
    private const int HelloSize = 64;

    internal static async Task<int> RunAsync(NodeConfig c, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (c.Party is not (>= 0 and < LocalParties.Parties))
        {
            return Cli.Fail(2, "--party must be 0, 1 or 2.");
        }

        int me = c.Party.Value;
        if (c.Endpoints is not { Length: LocalParties.Parties } || c.PeerCerts is not { Length: LocalParties.Parties } || c.Cert is null)
        {
            return Cli.Fail(2, $"party {me}: give three --endpoints, three --peer-certs and --cert.");
        }

        if (c.Data is null && (c.Round is null || c.Shares is null))
        {
            return Cli.Fail(2, $"party {me}: give --data (with round.json and party-{me}.shares) or both --round and --shares.");
        }

        int attempts = c.Attempts ?? PanelSelector.DefaultAttempts;
        double timeoutSeconds = c.Timeout ?? 60;
        string strategyName = (c.Strategy ?? "legacy").Trim().ToLowerInvariant();
        ISelectionStrategy? reference = strategyName switch
        {
            "legacy" => new LegacyGreedy(),
            "legacy-clamped" => new LegacyGreedy(clamped: true),
            "two-phase" => new TwoPhaseGreedy(),
            _ => null,
        };
        if (reference is null || attempts < 1 || !(timeoutSeconds > 0))
        {
            return Cli.Fail(2, $"party {me}: --strategy must be legacy, legacy-clamped or two-phase, --attempts at least 1 and --timeout positive.");
        }

        TimeSpan timeout = TimeSpan.FromSeconds(timeoutSeconds);
        string roundPath = c.Round ?? Path.Combine(c.Data!, DealCommand.RoundFileName);
        string sharesPath = c.Shares ?? Path.Combine(c.Data!, DealCommand.SharesFileName(me));
        string outDir = c.Out ?? c.Data ?? Directory.GetCurrentDirectory();

        PublicRound round;
        uint[] shares;
        SecureSelectionLayout layout;
        byte[]? publicSeed = null;
        try
        {
            round = PublicRound.Load(roundPath);
            shares = ShareFile.Read(sharesPath, round, me);
            layout = round.ToLayout();
            if (c.PublicSeed is not null)
            {
                publicSeed = RandomTape.SeedFromString(c.PublicSeed);
                if (round.SeedCommitment is null)
                {
                    throw new RoundFileException($"--public-seed was given but {roundPath} holds no seed commitment (deal with --commit-test-seed): a public tape must be committed to before the draw.");
                }

                if (!CryptographicOperations.FixedTimeEquals(PublicRound.CommitSeed(round.RoundIdBytes, publicSeed), Convert.FromHexString(round.SeedCommitment)))
                {
                    throw new RoundFileException($"--public-seed does not match the seed commitment {round.SeedCommitment[..16]}… published in {roundPath}.");
                }
            }
        }
        catch (Exception e) when (e is RoundFileException or ArgumentException or FormatException)
        {
            return Cli.Fail(2, $"party {me}: {e.Message}");
        }

        Console.Error.WriteLine($"party {me}: round {round.RoundId[..8]}…, n = {round.CandidateIds.Length}, V = {round.ValueCount}, k = {round.PanelSize}; shares checked");
        TimeSpan loaded = clock.Elapsed;

        X509Certificate2? own = null;
        X509Certificate2[] pinned = [];
        using var contribution = publicSeed is null ? new ContributionTape(round.RoundIdBytes, me) : null;
        try
        {
            EndPoint[] endpoints;
            IPEndPoint? listenOn = null;
            try
            {
                endpoints = c.Endpoints.Select(LocalParties.ParseEndPoint).ToArray();
                if (c.Listen is not null)
                {
                    listenOn = LocalParties.ParseEndPoint(c.Listen) as IPEndPoint ?? throw new ArgumentException($"--listen must be an IP address and port, not '{c.Listen}'.");
                }

                own = X509CertificateLoader.LoadPkcs12FromFile(c.Cert, null);
                pinned = c.PeerCerts.Select(X509CertificateLoader.LoadCertificateFromFile).ToArray();
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(2, $"party {me}: {e.Message}");
            }

            var options = new TlsTransportOptions
            {
                PartyIndex = me,
                Endpoints = endpoints,
                ListenEndPoint = listenOn,
                Certificate = own,
                PeerCertificates = pinned,
                ConnectTimeout = timeout,
                OperationTimeout = timeout,
            };
            ITransport transport = await TlsTransport.ConnectAsync(options, cancellationToken);
            byte[][] commitments;
            try
            {
                commitments = await HelloAsync(transport, round, strategyName, attempts, contribution, cancellationToken);
            }
            catch
            {
                await transport.DisposeAsync();
                throw;
            }

            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(transport, cancellationToken);
            TimeSpan connected = clock.Elapsed;
            Console.Error.WriteLine($"party {me}: connected to both peers over mutually authenticated TLS ({connected.TotalSeconds:F1} s)");

            SecurePool pool = SecurePool.FromShares(abb, layout, shares);
            Array.Clear(shares);
            using var plainTape = publicSeed is null ? null : new RandomTape(publicSeed);
            ISharedTape tape = plainTape is null ? contribution! : new PublicTape(plainTape);
            var selectionOptions = new SecureSelectionOptions
            {
                MaxAttempts = attempts,
                Analyser = 0,
                Tape = new ProgressTape(tape, me, attempts, clock),
                RevealComposition = true,
            };
            SecureSelectionResult result = await SecureSelector.SelectAsync(abb, pool, SecureStrategies.For(reference), selectionOptions, cancellationToken);
            TimeSpan selected = clock.Elapsed;
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"party {me}: done: attempt {result.Attempts}, selection {(selected - connected).TotalSeconds:F2} s, {result.Cost.Rounds} rounds, {result.Cost.BytesSent} bytes sent, {result.Cost.Multiplications} multiplications, {result.Cost.AndGates} AND gates"));

            if (contribution is not null)
            {
                // Private to this provider, like its share file: kept so that the three providers together can later
                // open their commitments and reproduce the draw on their shares.
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, $"tape-contribution-{me}.hex"), Convert.ToHexString(contribution.Contribution) + Environment.NewLine, Encoding.ASCII);
            }

            if (result.HasPanel)
            {
                var report = new AnalyserReport
                {
                    Round = round,
                    Strategy = strategyName,
                    MaxAttempts = attempts,
                    Result = result,
                    PublicSeed = publicSeed,
                    ContributionCommitments = publicSeed is null ? commitments : null,
                    Timings = [("check round and share files", loaded), ("connect (TLS, session digest, seed agreement)", connected - loaded), ("secure selection (all attempts)", selected - connected)],
                };
                report.Write(outDir);
                Console.Error.WriteLine($"party {me}: panel of {round.PanelSize} written to {Path.Combine(outDir, AnalyserReport.PanelFile)}, report {Path.Combine(outDir, AnalyserReport.HtmlFile)}");
            }

            return 0;
        }
        catch (PeerException e)
        {
            return Cli.Fail(1, e.Message);
        }
        catch (SessionMismatchException e)
        {
            return Cli.Fail(1, e.Message);
        }
        catch (InfeasibleQuotasException e)
        {
            return Cli.Fail(3, $"party {me}: {e.Message}");
        }
        catch (SecureSelectionFailedException e)
        {
            return Cli.Fail(3, $"party {me}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException
            or System.Security.Authentication.AuthenticationException or TimeoutException)
        {
            return Cli.Fail(1, $"party {me}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return Cli.Fail(1, $"party {me}: cancelled.");
        }
        catch (ArgumentException e)
        {
            // For example a host name as this party's own endpoint without --listen.
            return Cli.Fail(2, $"party {me}: {e.Message}");
        }
        finally
        {
            own?.Dispose();
            foreach (X509Certificate2 p in pinned)
            {
                p.Dispose();
            }
        }
    }

    /// <summary>
    /// Sends every peer a digest of what this provider is about to run (round id, layout hash, strategy, attempts, tape
    /// kind and seed commitment) and its tape commitment; refuses a peer whose digest differs. Returns the three tape
    /// commitments in party order (all zero with a public tape).
    /// </summary>
    private static async Task<byte[][]> HelloAsync(ITransport transport, PublicRound round, string strategy, int attempts, ContributionTape? contribution, CancellationToken cancellationToken)
    {
        int me = transport.PartyIndex;
        string description = string.Join('\n', "MpcSortition.node-session.v1", round.RoundId, round.LayoutHash, strategy, attempts.ToString(CultureInfo.InvariantCulture),
            contribution is null ? "public-tape" : "joint-tape", round.SeedCommitment ?? "-");
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(description));
        byte[] mine = new byte[HelloSize];
        digest.CopyTo(mine, 0);
        contribution?.Commitment.CopyTo(mine, 32);
        var received = new byte[LocalParties.Parties][];
        var tasks = new List<Task>();
        for (int peer = 0; peer < LocalParties.Parties; peer++)
        {
            if (peer == me)
            {
                received[peer] = mine;
                continue;
            }

            received[peer] = new byte[HelloSize];
            tasks.Add(transport.SendAsync(peer, mine, cancellationToken).AsTask());
            tasks.Add(transport.ReceiveAsync(peer, received[peer], cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks);
        for (int peer = 0; peer < LocalParties.Parties; peer++)
        {
            if (!received[peer].AsSpan(0, 32).SequenceEqual(digest))
            {
                throw new SessionMismatchException($"Party {me}: party {peer} runs another session (a different round, feature layout, strategy, attempt limit or kind of tape); every provider must use the same round.json, --strategy, --attempts and --public-seed setting.");
            }
        }

        return received.Select(r => r[32..]).ToArray();
    }

    private sealed class SessionMismatchException(string message) : Exception(message);
}
