using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>Runs one SPMD program at every party and collects the results.</summary>
internal static class Parties
{
    internal static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Three parties in memory with dealer-free triples (or n parties with the simulation dealer).</summary>
    internal static async Task<T[]> RunInMemoryAsync<T>(Func<IArithmeticBlackBox, Task<T>> program, int parties = 3, bool dealer = false)
    {
        ITransport[] transports = InMemoryNetwork.Create(parties, TestTimeout);
        DealerTripleSource[]? sources = dealer ? DealerTripleSource.CreateForSimulation(parties) : null;
        return await RunAsync(transports, program, sources);
    }

    internal static async Task<T[]> RunAsync<T>(ITransport[] transports, Func<IArithmeticBlackBox, Task<T>> program, DealerTripleSource[]? sources = null)
    {
        var tasks = transports.Select(async (t, p) =>
        {
            PartySession session = await PartySession.EstablishAsync(t);
            await using var abb = new SemiHonestBlackBox(session, sources?[p]);
            return await program(abb);
        }).ToArray();
        return await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Shares public test values as contributor shares (dealt outside the black box).</summary>
    internal static ShareVector[] Deal(uint[] values, int parties, AesCtrPrg prg)
    {
        var shares = new uint[parties][];
        for (int p = 0; p < parties; p++)
        {
            shares[p] = new uint[values.Length];
            if (p > 0)
            {
                prg.Fill(shares[p]);
            }
        }

        for (int i = 0; i < values.Length; i++)
        {
            uint rest = values[i];
            for (int p = 1; p < parties; p++)
            {
                rest -= shares[p][i];
            }

            shares[0][i] = rest;
        }

        return shares.Select((s, p) => new ShareVector(p, s)).ToArray();
    }

    internal static uint[] Product(uint[] x, uint[] y) => x.Zip(y, (a, b) => unchecked(a * b)).ToArray();
}

/// <summary>Certificates and free loopback ports for TLS tests.</summary>
internal static class Tls
{
    private static readonly Lazy<X509Certificate2[]> LazyCerts = new(() =>
        Enumerable.Range(0, 4).Select(p => TlsCertificates.CreateSelfSigned($"test-party-{p}", TimeSpan.FromHours(2))).ToArray());

    /// <summary>Certificates 0..2 belong to the parties; certificate 3 is an impostor.</summary>
    internal static X509Certificate2[] Certificates => LazyCerts.Value;

    internal static X509Certificate2 PublicOnly(X509Certificate2 c) => X509CertificateLoader.LoadCertificate(c.Export(X509ContentType.Cert));

    internal static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    internal static TlsTransportOptions Options(int party, int[] ports, X509Certificate2? own = null, TimeSpan? timeout = null) => new()
    {
        PartyIndex = party,
        Endpoints = ports.Select(p => (EndPoint)new IPEndPoint(IPAddress.Loopback, p)).ToArray(),
        Certificate = own ?? Certificates[party],
        PeerCertificates = Enumerable.Range(0, ports.Length).Select(p => PublicOnly(Certificates[p])).ToArray(),
        ConnectTimeout = timeout ?? TimeSpan.FromSeconds(15),
        OperationTimeout = timeout ?? TimeSpan.FromSeconds(15),
    };

    internal static async Task<ITransport[]> ConnectAllAsync(int parties = 3)
    {
        int[] ports = FreePorts(parties);
        return await Task.WhenAll(Enumerable.Range(0, parties).Select(p => TlsTransport.ConnectAsync(Options(p, ports))));
    }
}
