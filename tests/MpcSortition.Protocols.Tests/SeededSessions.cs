using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Three in-memory sessions whose pairwise seeds are fixed by a test seed, so that statistical tests on triples and
/// openings are deterministic (a "fixed seed" with a documented false-alarm rate rather than a flaky test). The seed
/// agreement of <see cref="PartySession.EstablishAsync"/> draws each party's 32-byte contribution from the operating
/// system; the wrapper overwrites it in the outgoing set-up message (the session derives its keys from that same
/// buffer) with SHA-256(seed ‖ sender ‖ receiver). It also keeps a copy of every message received, so that a test can
/// look at exactly what a party sees.
/// </summary>
internal sealed class SeededTransport(ITransport inner, byte seed) : ITransport
{
    private const int SetupMessageSize = 48;
    private readonly bool[] _seeded = new bool[inner.PartyCount];
    private readonly List<(int Peer, byte[] Payload)> _received = [];

    public int PartyIndex => inner.PartyIndex;

    public int PartyCount => inner.PartyCount;

    /// <summary>Every message this party received, in order, with its sender.</summary>
    public IReadOnlyList<(int Peer, byte[] Payload)> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (!_seeded[peer])
        {
            _seeded[peer] = true;
            if (!MemoryMarshal.TryGetArray(payload, out ArraySegment<byte> segment) || segment.Count != SetupMessageSize)
            {
                throw new InvalidOperationException("The first message to a peer should be the 48-byte seed-agreement message.");
            }

            byte[] fixedContribution = SHA256.HashData([seed, (byte)PartyIndex, (byte)peer]);
            fixedContribution.CopyTo(segment.AsSpan(16));
        }

        return inner.SendAsync(peer, payload, cancellationToken);
    }

    public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await inner.ReceiveAsync(peer, destination, cancellationToken);
        lock (_received)
        {
            _received.Add((peer, destination.ToArray()));
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

internal static class SeededSessions
{
    /// <summary>Three sessions with pairwise seeds fixed by <paramref name="seed"/>, and their recording transports.</summary>
    internal static async Task<(PartySession[] Sessions, SeededTransport[] Transports)> EstablishAsync(byte seed)
    {
        SeededTransport[] transports = InMemoryNetwork.Create(3, Parties.TestTimeout).Select(t => new SeededTransport(t, seed)).ToArray();
        PartySession[] sessions = await Task.WhenAll(transports.Select(t => PartySession.EstablishAsync(t)));
        return (sessions, transports);
    }

    internal static async Task DisposeAllAsync(IEnumerable<IAsyncDisposable> items)
    {
        foreach (IAsyncDisposable d in items)
        {
            await d.DisposeAsync();
        }
    }
}

/// <summary>Pearson's χ² goodness-of-fit test of bytes against the uniform distribution on 256 values.</summary>
internal static class ByteUniformity
{
    /// <summary>The χ² statistic of the byte counts against 256 equally likely values.</summary>
    internal static double ChiSquare(ReadOnlySpan<byte> bytes)
    {
        var counts = new long[256];
        foreach (byte b in bytes)
        {
            counts[b]++;
        }

        double expected = bytes.Length / 256.0;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    /// <summary>
    /// The upper 10^-6 quantile of χ² with <paramref name="degreesOfFreedom"/> degrees of freedom, by the
    /// Wilson–Hilferty approximation (z = 4.7534 is the upper 10^-6 quantile of the standard normal). For 255 degrees
    /// of freedom it is ≈ 377. A uniform source exceeds it with probability about 10^-6.
    /// </summary>
    internal static double Critical(int degreesOfFreedom = 255)
    {
        const double z = 4.7534;
        double k = degreesOfFreedom;
        double t = 1 - (2 / (9 * k)) + (z * Math.Sqrt(2 / (9 * k)));
        return k * t * t * t;
    }

    /// <summary>Asserts that the bytes pass the 10^-6 χ² test, naming what they are.</summary>
    internal static void AssertUniform(ReadOnlySpan<byte> bytes, string what)
    {
        double chi = ChiSquare(bytes);
        Assert.True(chi < Critical(), $"{what}: χ² = {chi:F1} over 255 degrees of freedom exceeds the 10^-6 bound {Critical():F1}; the bytes are not uniform");
    }
}
