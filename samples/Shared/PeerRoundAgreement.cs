using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MpcSortition.Protocols;

namespace MpcSortition.Samples;

/// <summary>
/// Compiled into both HTTPS services of the samples (the sign-up provider and the ballot counter). Before a service
/// accepts anything it checks that every configured peer serves the same round (the same hash) under the party index
/// the configuration expects, over HTTPS with the peer's pinned certificate; until then the service refuses with
/// <c>not_ready</c>. With no peers configured (one service under test) it agrees at once.
/// </summary>
internal sealed class PeerRoundAgreement
{
    private readonly int _party;
    private readonly string _roundHash;
    private readonly Peer[] _peers;
    private readonly TimeSpan _retry;
    private readonly string _accepting;
    private volatile bool _agreed;

    /// <summary>Prepares the check; <see cref="Start"/> runs it.</summary>
    /// <param name="party">This service's party index.</param>
    /// <param name="roundHash">The hash of the round this service serves (upper-case hex, as the status endpoint gives it).</param>
    /// <param name="peers">The peers to check.</param>
    /// <param name="retry">The pause between checks of the peers that did not agree yet.</param>
    /// <param name="accepting">What the service holds back until the peers agree, for the log line ("submissions").</param>
    public PeerRoundAgreement(int party, string roundHash, IEnumerable<Peer> peers, TimeSpan retry, string accepting)
    {
        _party = party;
        _roundHash = roundHash;
        _peers = [.. peers];
        _retry = retry;
        _accepting = accepting;
        _agreed = _peers.Length == 0;
    }

    /// <summary>Whether every peer served this round under its expected party index.</summary>
    public bool Agreed => _agreed;

    /// <summary>Checks the peers in the background until all agree or the service stops.</summary>
    /// <param name="stopping">Stops the checking.</param>
    public void Start(CancellationToken stopping)
    {
        if (_agreed)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var pending = _peers.ToList();
            while (pending.Count > 0 && !stopping.IsCancellationRequested)
            {
                foreach (Peer peer in pending.ToArray())
                {
                    if (await CheckAsync(peer, stopping))
                    {
                        pending.Remove(peer);
                    }
                }

                if (pending.Count > 0)
                {
                    await Task.Delay(_retry, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }

            _agreed = pending.Count == 0;
        }, stopping);
    }

    private async Task<bool> CheckAsync(Peer peer, CancellationToken ct)
    {
        try
        {
            string expected = TlsCertificates.Thumbprint(peer.Pinned());
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && TlsCertificates.Thumbprint(cert) == expected,
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using JsonDocument status = (await client.GetFromJsonAsync<JsonDocument>(new Uri(peer.Url, "/api/v1/status"), ct))!;
            string? hash = status.RootElement.GetProperty("roundHash").GetString();
            int party = status.RootElement.GetProperty("party").GetInt32();
            if (hash != _roundHash || party != peer.Party)
            {
                Console.Error.WriteLine($"Party {_party}: the peer at {peer.Url} (expected party {peer.Party}) serves another round or party (party {party}, hash {hash?[..Math.Min(16, hash.Length)]}…, ours {_roundHash[..Math.Min(16, _roundHash.Length)]}…); not accepting {_accepting} until they agree.");
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>One peer: its party index, its HTTPS address and its pinned certificate (loaded when checked).</summary>
    /// <param name="Party">The party index the peer must report.</param>
    /// <param name="Url">The peer's HTTPS base address.</param>
    /// <param name="Pinned">Gives the peer's pinned certificate.</param>
    internal sealed record Peer(int Party, Uri Url, Func<X509Certificate2> Pinned);
}
