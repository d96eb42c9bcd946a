using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>
/// The load benchmark: posts pre-made submissions (one code each) to one provider over HTTPS with C concurrent
/// connections and counts accepted submissions per second. Every acknowledged submission is appended to the
/// acknowledgement file (code hash, submission id, stored SHA-256) as soon as its receipt arrives, so that a durability
/// check can compare it with the database after a kill -9.
/// </summary>
internal static class Bench
{
    public static async Task<int> RunAsync(ProviderConfig config, IReadOnlyList<string> codes, int count, int concurrency, string? ackedPath, int retrySeconds, int warmup = 0)
    {
        SignupRound round = config.Round;
        warmup = Math.Min(warmup, Math.Max(0, codes.Count - count));
        count = Math.Min(count, codes.Count);
        var answers = new int[round.Features.Count];
        string[] contact = round.ContactFields.Select(f => new string('x', f.Bytes / 2)).ToArray();
        var all = new byte[count + warmup][];
        for (int i = 0; i < all.Length; i++)
        {
            for (int f = 0; f < answers.Length; f++)
            {
                answers[f] = (i + f) % round.Features[f].Values.Count;
            }

            all[i] = IntakeContribution.Create(round, codes[i], answers, contact)[config.Party].ToJson();
        }

        string expected = TlsCertificates.Thumbprint(config.Certificate);
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected },
        };
        using var client = new HttpClient(handler) { BaseAddress = config.Listen[0], Timeout = TimeSpan.FromSeconds(30) };
        using StreamWriter? acked = ackedPath is null ? null : new StreamWriter(FileModes.CreateOwnerOnly(ackedPath)) { AutoFlush = true };
        var ackLock = new object();
        int next = -1, accepted = 0, refused = 0, failed = 0, retried = 0;
        byte[][] bodies = all[count..];
        if (warmup > 0)
        {
            // Warm-up (untimed, not recorded): the JIT and the connections, as in a service that has been running.
            await Post(bodies, warmup, recordAcks: false);
            Console.WriteLine($"warm-up: {accepted} of {warmup} accepted (untimed)");
            next = -1;
            accepted = refused = failed = retried = 0;
        }

        bodies = all[..count];
        var clock = Stopwatch.StartNew();
        await Post(bodies, count, recordAcks: true);
        clock.Stop();
        Console.WriteLine($"posted {count} submissions (V = {round.ValueCount}, contact block {round.ContactBlockLength} bytes) with {concurrency} connections in {clock.Elapsed.TotalSeconds:F2} s: " +
            $"{accepted} accepted ({accepted / clock.Elapsed.TotalSeconds:F0}/s), {refused} refused, {failed} failed (no answer), {retried} retries");
        return failed == 0 && refused == 0 ? 0 : 1;

        async Task Post(byte[][] bodies, int count, bool recordAcks)
        {
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    // Like the page: a request that got no answer is retried with the same body (same submission id), which is idempotent.
                    var deadline = Stopwatch.StartNew();
                    while (true)
                    {
                        try
                        {
                            using var content = new ByteArrayContent(bodies[i]);
                            content.Headers.ContentType = new("application/json");
                            using HttpResponseMessage response = await client.PostAsync("/api/v1/submissions", content);
                            byte[] body = await response.Content.ReadAsByteArrayAsync();
                            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                            {
                                using JsonDocument doc = JsonDocument.Parse(body);
                                IntakeReceipt r = IntakeReceipt.Parse(System.Text.Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("receipt").GetRawText()));
                                lock (ackLock)
                                {
                                    if (recordAcks)
                                    {
                                        acked?.WriteLine($"{r.CodeHash} {r.SubmissionId} {r.StoredSha256}");
                                    }
                                }

                                Interlocked.Increment(ref accepted);
                            }
                            else
                            {
                                Interlocked.Increment(ref refused);
                            }

                            break;
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                        {
                            if (deadline.Elapsed.TotalSeconds >= retrySeconds)
                            {
                                Interlocked.Increment(ref failed);
                                break;
                            }

                            Interlocked.Increment(ref retried);
                            await Task.Delay(200);
                        }
                    }
                }
            }).ToArray();
            await Task.WhenAll(workers);
        }
    }
}
