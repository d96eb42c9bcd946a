using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Protocols;

namespace MpcSortition.Provider;

/// <summary>
/// Before accepting anything, a provider checks that every configured peer serves the same round definition (the same
/// hash) over HTTPS with its pinned certificate. Until then submissions are refused with <c>not_ready</c>. With no peers
/// configured (a single provider under test) the check is trivially satisfied.
/// </summary>
internal sealed class PeerAgreement(ProviderConfig config)
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
                foreach (PeerConfig peer in pending.ToArray())
                {
                    if (await CheckAsync(peer, stopping))
                    {
                        pending.Remove(peer);
                    }
                }

                if (pending.Count > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }

            _agreed = pending.Count == 0;
        }, stopping);
    }

    private async Task<bool> CheckAsync(PeerConfig peer, CancellationToken ct)
    {
        try
        {
            X509Certificate2 pinned = X509CertificateLoader.LoadCertificateFromFile(peer.CertificatePath);
            string expected = TlsCertificates.Thumbprint(pinned);
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected,
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using JsonDocument status = (await client.GetFromJsonAsync<JsonDocument>(new Uri(peer.Url, "/api/v1/status"), ct))!;
            string? hash = status.RootElement.GetProperty("roundHash").GetString();
            int party = status.RootElement.GetProperty("party").GetInt32();
            if (hash != config.Round.Hash || party != peer.Party)
            {
                Console.Error.WriteLine($"Party {config.Party}: provider {peer.Party} at {peer.Url} serves another round definition or party (hash {hash?[..Math.Min(16, hash.Length)]}…, ours {config.Round.Hash[..16]}…); not accepting submissions until they agree.");
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
