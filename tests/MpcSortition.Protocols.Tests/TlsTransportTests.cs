using MpcSortition.Core;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>Three black boxes connected over loopback TLS, shared by the tests of one class.</summary>
public sealed class TlsSessionFixture : IAsyncLifetime
{
    internal IArithmeticBlackBox[] Boxes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        ITransport[] transports = await Tls.ConnectAllAsync();
        Boxes = await Task.WhenAll(transports.Select(async t => (IArithmeticBlackBox)await SemiHonestBlackBox.CreateAsync(t)));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Boxes.Select(b => b.DisposeAsync().AsTask()));
    }
}

public sealed class TlsTransportTests(TlsSessionFixture fixture) : IClassFixture<TlsSessionFixture>
{
    [Fact]
    public void Multiply_over_mutual_TLS_matches_plaintext_for_random_batches()
    {
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (xs, ys) =>
        {
            int m = Math.Min(xs.Length, ys.Length);
            uint[] x = xs[..m], y = ys[..m];
            uint[][] opened = Task.WhenAll(fixture.Boxes.Select(async abb =>
            {
                ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, m);
                ShareVector sy = await abb.InputAsync(1, abb.PartyIndex == 1 ? y : default, m);
                return await abb.OpenAsync(await abb.MultiplyAsync(sx, sy), "test: product");
            })).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            uint[] expected = Parties.Product(x, y);
            return opened.All(o => o.SequenceEqual(expected));
        }));
    }

    [Fact]
    public async Task A_large_batch_crosses_TLS_in_one_round()
    {
        const int m = 300_000;
        var x = new uint[m];
        var y = new uint[m];
        for (int i = 0; i < m; i++)
        {
            x[i] = (uint)i * 2654435761u;
            y[i] = ~(uint)i;
        }

        var results = await Task.WhenAll(fixture.Boxes.Select(async abb =>
        {
            ShareVector sx = await abb.InputAsync(2, abb.PartyIndex == 2 ? x : default, m);
            ShareVector sy = await abb.InputAsync(0, abb.PartyIndex == 0 ? y : default, m);
            long rounds = abb.Trace.Rounds, sent = abb.Trace.BytesSent;
            ShareVector z = await abb.MultiplyAsync(sx, sy);
            return (rounds: abb.Trace.Rounds - rounds, sent: abb.Trace.BytesSent - sent, opened: await abb.OpenToAsync(z, 1, "test: product to party 1"));
        })).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.Equal(1, r.rounds));
        Assert.All(results, r => Assert.Equal(16L * m, r.sent));
        Assert.Equal(Parties.Product(x, y), results[1].opened);
    }
}

public sealed class TlsBooleanTests(TlsSessionFixture fixture) : IClassFixture<TlsSessionFixture>
{
    [Fact]
    public async Task And_over_TLS_matches_plaintext_and_opens_to_one_party()
    {
        const int bits = 1000;
        ulong[] x = Enumerable.Range(0, 16).Select(i => 0x9E37_79B9_7F4A_7C15UL * (ulong)(i + 1)).ToArray();
        ulong[] y = Enumerable.Range(0, 16).Select(i => ~(0xC2B2_AE3D_27D4_EB4FUL * (ulong)(i + 3))).ToArray();
        x[^1] &= (1UL << (bits % 64)) - 1;
        y[^1] &= (1UL << (bits % 64)) - 1;
        var opened = await Task.WhenAll(fixture.Boxes.Select(async abb =>
        {
            BitShareVector sx = await abb.InputBitsAsync(1, abb.PartyIndex == 1 ? x : default, bits);
            BitShareVector sy = await abb.InputBitsAsync(2, abb.PartyIndex == 2 ? y : default, bits);
            BitShareVector and = await abb.AndAsync(sx, sy);
            return await abb.OpenBitsToAsync(and, 0, "test: AND to party 0");
        })).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(x.Zip(y, (a, b) => a & b), opened[0]);
        Assert.Null(opened[1]);
        Assert.Null(opened[2]);
    }
}

public sealed class TlsFailureTests
{
    [Fact]
    public async Task A_party_with_the_wrong_certificate_is_refused_with_a_clear_error()
    {
        int[] ports = Tls.FreePorts(3);
        Task<ITransport>[] joining =
        [
            TlsTransport.ConnectAsync(Tls.Options(0, ports, timeout: TimeSpan.FromSeconds(10))),
            TlsTransport.ConnectAsync(Tls.Options(1, ports, own: Tls.Certificates[3], timeout: TimeSpan.FromSeconds(10))), // impostor
            TlsTransport.ConnectAsync(Tls.Options(2, ports, timeout: TimeSpan.FromSeconds(10))),
        ];
        var errors = new PeerException[3];
        for (int p = 0; p < 3; p++)
        {
            errors[p] = await Assert.ThrowsAsync<PeerException>(() => joining[p].WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // Party 0 refuses party 1's certificate, drops the connection as a stranger's and waits for party 1 until
        // its timeout; then it blames party 1 and names the refused certificate. (Party 2 refuses the impostor's
        // server certificate by its pin, or sees it already gone; either way it fails, as asserted above.)
        Assert.Equal(PeerFailure.AuthenticationFailed, errors[0].Failure);
        Assert.Equal(1, errors[0].Peer);
        Assert.Contains("is not the pinned certificate", errors[0].Message);
        Assert.Contains(TlsCertificates.Thumbprint(Tls.Certificates[3]), errors[0].Message);
    }

    [Fact]
    public async Task A_connecting_party_refuses_a_server_with_the_wrong_certificate()
    {
        int[] ports = Tls.FreePorts(2);
        Task<ITransport> server = TlsTransport.ConnectAsync(Tls.Options(0, ports, own: Tls.Certificates[3], timeout: TimeSpan.FromSeconds(10)));
        Task<ITransport> client = TlsTransport.ConnectAsync(Tls.Options(1, ports, timeout: TimeSpan.FromSeconds(10)));
        PeerException atClient = await Assert.ThrowsAsync<PeerException>(() => client.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(PeerFailure.AuthenticationFailed, atClient.Failure);
        Assert.Equal(0, atClient.Peer);
        Assert.Contains("pinned certificate for party 0", atClient.Message);
        Assert.Contains(TlsCertificates.Thumbprint(Tls.Certificates[3]), atClient.Message);
        await Assert.ThrowsAsync<PeerException>(() => server.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_wrong_length_frame_over_TLS_is_malformed_and_a_closed_peer_is_reported()
    {
        int[] ports = Tls.FreePorts(2);
        ITransport[] t = await Task.WhenAll(Enumerable.Range(0, 2).Select(p => TlsTransport.ConnectAsync(Tls.Options(p, ports))));
        await t[0].SendAsync(1, new byte[5]);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => t[1].ReceiveAsync(0, new byte[8]).AsTask());
        Assert.Equal(PeerFailure.MalformedFrame, e.Failure);
        Assert.Contains("the frame announces 5", e.Message);

        // Party 1 closed its links on the fault: party 0 notices at once instead of waiting for its timeout.
        PeerException atZero = await Assert.ThrowsAsync<PeerException>(() => t[0].ReceiveAsync(1, new byte[8]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, atZero.Peer);
        await Task.WhenAll(t.Select(x => x.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task A_peer_configured_for_another_party_count_is_a_protocol_mismatch()
    {
        int[] ports = Tls.FreePorts(3);
        TlsTransportOptions three = Tls.Options(1, ports, timeout: TimeSpan.FromSeconds(10));
        TlsTransportOptions two = Tls.Options(0, ports[..2], timeout: TimeSpan.FromSeconds(10));
        Task<ITransport> zero = TlsTransport.ConnectAsync(two), one = TlsTransport.ConnectAsync(three);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => zero.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(PeerFailure.ProtocolMismatch, e.Failure);
        Assert.Contains("party 1 of 3, expected party 1 of 2", e.Message);
        await Assert.ThrowsAsync<PeerException>(() => one.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_party_that_gives_up_during_set_up_tells_a_linked_peer_the_root_cause()
    {
        // Party 2 reaches party 1 but not party 0 (its address for party 0 is a closed port), so party 1 finishes its
        // set-up while party 0 waits for party 2 until its timeout. Party 1's first receive from party 0 must then name
        // party 2 -- the root cause -- not merely party 0's closed connection.
        int[] ports = Tls.FreePorts(3);
        int[] closed = Tls.FreePorts(1);
        Task<ITransport> zero = TlsTransport.ConnectAsync(Tls.Options(0, ports, timeout: TimeSpan.FromSeconds(3)));
        Task<ITransport> one = TlsTransport.ConnectAsync(Tls.Options(1, ports, timeout: TimeSpan.FromSeconds(30)));
        Task<ITransport> two = TlsTransport.ConnectAsync(Tls.Options(2, [closed[0], ports[1], ports[2]], timeout: TimeSpan.FromSeconds(8)));
        ITransport atOne = await one.WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            PeerException atZero = await Assert.ThrowsAsync<PeerException>(() => zero.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(2, atZero.Peer);
            PeerException relayed = await Assert.ThrowsAsync<PeerException>(() => atOne.ReceiveAsync(0, new byte[4]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, relayed.Peer);
            Assert.Contains("party 0 aborted the session", relayed.Message);
            Assert.Contains(atZero.Message, relayed.Message);
        }
        finally
        {
            await atOne.DisposeAsync();
            await Assert.ThrowsAsync<PeerException>(() => two.WaitAsync(TimeSpan.FromSeconds(40)));
        }
    }

    [Fact]
    public async Task An_unreachable_peer_fails_set_up_within_the_connect_timeout()
    {
        int[] ports = Tls.FreePorts(2);
        PeerException e = await Assert.ThrowsAsync<PeerException>(() => TlsTransport.ConnectAsync(Tls.Options(1, ports, timeout: TimeSpan.FromSeconds(1))).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(PeerFailure.Timeout, e.Failure);
        Assert.Equal(0, e.Peer);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, ports[0]).ToString(), e.Message);
    }

    [Fact]
    public void Options_without_a_private_key_or_with_missing_certificates_are_rejected()
    {
        int[] ports = [1, 2, 3];
        TlsTransportOptions good = Tls.Options(0, ports);
        Assert.Throws<ArgumentException>(() => TlsTransport.ConnectAsync(new TlsTransportOptions
        {
            PartyIndex = 0, Endpoints = good.Endpoints, Certificate = Tls.PublicOnly(Tls.Certificates[0]), PeerCertificates = good.PeerCertificates,
        }).GetAwaiter().GetResult());
        Assert.Throws<ArgumentException>(() => TlsTransport.ConnectAsync(new TlsTransportOptions
        {
            PartyIndex = 0, Endpoints = good.Endpoints, Certificate = good.Certificate, PeerCertificates = good.PeerCertificates.Take(2).ToArray(),
        }).GetAwaiter().GetResult());
    }
}
