using System.Net.Security;
using System.Net.Sockets;

namespace MpcSortition.Protocols;

/// <summary>One authenticated connection to a peer: the TLS stream and the per-direction frame state.</summary>
internal sealed class TlsLink(Socket socket, SslStream stream, string remote)
{
    internal SslStream Stream { get; } = stream;

    /// <summary>The peer's address as seen at set-up, for messages.</summary>
    internal string Remote { get; } = remote;

    internal byte[] SendHeader { get; } = new byte[TlsWire.HeaderSize];

    internal byte[] ReceiveHeader { get; } = new byte[TlsWire.HeaderSize];

    internal uint SendSequence { get; set; }

    internal uint ReceiveSequence { get; set; }

    /// <summary>Best effort: writes an abort frame (<see cref="TlsWire.AbortFrame"/>), waiting at most 200 ms so that a
    /// stalled peer cannot hold up a party that is stopping; never throws (the peer then sees the connection close).</summary>
    /// <param name="frame">The whole frame, header and reason.</param>
    internal void TrySendAbort(byte[] frame)
    {
        try
        {
            Stream.WriteAsync(frame).AsTask().Wait(TimeSpan.FromMilliseconds(200));
        }
        catch (Exception)
        {
            // Best effort.
        }
    }

    /// <summary>Closes the stream and the socket; never throws.</summary>
    internal void Close()
    {
        try
        {
            socket.Dispose();
            Stream.Dispose();
        }
        catch (Exception)
        {
            // Closing must not throw.
        }
    }
}
