using System.Net.Http.Json;
using System.Text.Json;
using MpcSortition.Protocols;

namespace MpcSortition.Ballot;

/// <summary>
/// Before accepting ballots a counter checks that both peers serve the same ballot round (hash) under the expected
/// party index, over HTTPS with their pinned certificates; until then ballots are refused with <c>not_ready</c>.
/// </summary>
internal sealed class PeerAgreement(BallotConfig config)
{
    private volatile bool _agreed = config.Peers.Count == 0;

    public bool Agreed => _agreed;

    public void Start(CancellationToken stopping)
    {
        if (_agreed)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var pending = config.Peers.ToList();
            while (pending.Count > 0 && !stopping.IsCancellationRequested)
            {
                foreach (PeerCounter peer in pending.ToArray())
                {
                    if (await CheckAsync(peer, stopping))
                    {
                        pending.Remove(peer);
                    }
                }

                if (pending.Count > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }

            _agreed = pending.Count == 0;
        }, stopping);
    }

    private async Task<bool> CheckAsync(PeerCounter peer, CancellationToken ct)
    {
        try
        {
            string expected = TlsCertificates.Thumbprint(peer.Certificate);
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected,
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using JsonDocument status = (await client.GetFromJsonAsync<JsonDocument>(new Uri(peer.Url, "/api/v1/status"), ct))!;
            return status.RootElement.GetProperty("roundHash").GetString() == config.Round.Hash && status.RootElement.GetProperty("party").GetInt32() == peer.Party;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
