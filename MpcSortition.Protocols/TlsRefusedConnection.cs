using System.Net;

namespace MpcSortition.Protocols;

/// <summary>
/// A connection to this party's listener that was dropped during set-up because it is not an authenticated peer:
/// a port scanner, bytes that are not TLS, a TLS client without a pinned certificate, a socket that stayed idle
/// past <see cref="TlsTransportOptions.HandshakeTimeout"/>, or a peer's connection made redundant by a newer one.
/// Reported through <see cref="TlsTransportOptions.ConnectionRefused"/>; it does not end the set-up.
/// </summary>
/// <remarks>Both properties describe the stranger only (its address and what it did), with text it chose (a
/// certificate subject) stripped of control characters; nothing of this party's secrets.</remarks>
public sealed class TlsRefusedConnection
{
    internal TlsRefusedConnection(EndPoint? remoteEndPoint, string reason, bool spokeTls)
    {
        RemoteEndPoint = remoteEndPoint;
        Reason = reason;
        SpokeTls = spokeTls;
    }

    /// <summary>Where the connection came from, when the operating system reported it.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Why it was dropped, for example <c>it closed the connection without sending anything</c>.</summary>
    public string Reason { get; }

    /// <summary>True when it started a TLS handshake (so it may have been a peer with the wrong certificate); false for
    /// a scanner, garbage or an idle socket.</summary>
    public bool SpokeTls { get; }

    /// <summary>The address and the reason, for a log line.</summary>
    /// <returns>For example <c>127.0.0.1:50312: it sent bytes that are not a TLS handshake (first byte 0x47)</c>.</returns>
    public override string ToString() => $"{RemoteEndPoint?.ToString() ?? "an unknown address"}: {Reason}";
}
