using MpcSortition.Core;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using static MpcSortition.Protocols.Tests.ComparisonHarness;

namespace MpcSortition.Protocols.Tests;

public class ComparisonOverTlsTests
{
    [Fact]
    public async Task ComparisonsAndEqualityWorkOverMutualTls()
    {
        X509Certificate2[] certs = Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"comparison-test-{p}", TimeSpan.FromHours(1))).ToArray();
        X509Certificate2[] pinned = certs.Select(c => X509CertificateLoader.LoadCertificate(c.Export(X509ContentType.Cert))).ToArray();
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        EndPoint[] endpoints = listeners.Select(l => (EndPoint)new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)l.LocalEndpoint).Port)).ToArray();
        listeners.ForEach(l => l.Stop());

        uint[] x, y;
        uint[][] xs, ys;
        using (var prg = Prg(900))
        {
            x = [.. Boundaries, .. Values(prg, 995)];
            y = [.. Boundaries.Reverse(), .. Values(prg, 995)];
            xs = Deal(x, prg);
            ys = Deal(y, prg);
        }

        ITransport[] transports = await Task.WhenAll(Enumerable.Range(0, 3).Select(p => TlsTransport.ConnectAsync(new TlsTransportOptions
        {
            PartyIndex = p,
            Endpoints = endpoints,
            Certificate = certs[p],
            PeerCertificates = pinned,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            OperationTimeout = TimeSpan.FromSeconds(20),
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        var results = await Task.WhenAll(transports.Select(async t =>
        {
            await using SemiHonestBlackBox abb = await SemiHonestBlackBox.CreateAsync(t);
            ShareVector a = abb.FromShares(xs[abb.PartyIndex]), b = abb.FromShares(ys[abb.PartyIndex]);
            BitShareVector lt = await abb.LessThanAsync(a, b);
            BitShareVector eq = await abb.EqualAsync(a, a);
            return (Lt: lt.Words.ToArray(), Eq: eq.Words.ToArray());
        })).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(x.Zip(y, (u, v) => u < v), OpenBits(results.Select(r => r.Lt).ToArray(), x.Length));
        Assert.All(OpenBits(results.Select(r => r.Eq).ToArray(), x.Length), Assert.True);
        foreach (X509Certificate2 c in certs.Concat(pinned))
        {
            c.Dispose();
        }
    }
}
