using System.Buffers.Binary;
using System.Security.Authentication;
using System.Text;

namespace MpcSortition.Protocols;

/// <summary>
/// The bytes that <see cref="TlsTransport"/> puts inside TLS: the set-up hello and the frame header. Everything about
/// the wire format is here so that the set-up and the link agree by construction.
/// </summary>
/// <remarks>
/// <para>Hello (16 bytes, each side once, right after the TLS handshake; the connecting side first): magic "MPCS",
/// <see cref="Version"/>, party index, party count, each a little-endian <see cref="uint"/>.</para>
/// <para>Frame: an 8-byte header (payload length, then a sequence number, both little-endian <see cref="uint"/>)
/// followed by the payload. Sequence numbers count data frames from 0 per direction; <see cref="GoodbyeTag"/> marks a
/// clean end and <see cref="AbortTag"/> an abort whose payload is a UTF-8 reason of at most <see cref="MaxAbortReason"/>
/// bytes.</para>
/// </remarks>
internal static class TlsWire
{
    internal const int HeaderSize = 8;
    internal const int HelloSize = 16;
    internal const uint GoodbyeTag = 0xFFFF_FFFF;
    internal const uint AbortTag = 0xFFFF_FFFE;
    internal const uint Magic = 0x5343_504D; // "MPCS"

    /// <summary>Protocol version in the hello. Unchanged by the set-up hardening: the bytes on the wire are the same.</summary>
    internal const uint Version = 1;

    internal const int MaxAbortReason = 4096;

    /// <summary>The first byte of a TLS record that carries a handshake message (a ClientHello starts with it).</summary>
    internal const byte TlsHandshakeRecord = 0x16;

    internal static readonly SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>An abort frame: the header with <see cref="AbortTag"/> and the reason as UTF-8, cut to 1,000
    /// characters (well inside <see cref="MaxAbortReason"/> bytes).</summary>
    internal static byte[] AbortFrame(string reason)
    {
        // Stryker disable once Equality : a reason of exactly 1,000 characters cut to 1,000 is the same text (equivalent mutant)
        byte[] text = System.Text.Encoding.UTF8.GetBytes(reason.Length > 1000 ? reason[..1000] : reason);
        var frame = new byte[HeaderSize + text.Length];
        WriteHeader(frame, (uint)text.Length, AbortTag);
        text.CopyTo(frame, HeaderSize);
        return frame;
    }

    internal static void WriteHeader(Span<byte> header, uint length, uint tag)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], tag);
    }

    internal static byte[] Hello(int party, int count)
    {
        var hello = new byte[HelloSize];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(8), (uint)party);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(12), (uint)count);
        return hello;
    }

    /// <summary>Checks a peer's hello; returns null when it is the expected one, else why not (no secrets involved).</summary>
    internal static string? CheckHello(ReadOnlySpan<byte> hello, int expectedParty, int expectedCount)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(hello);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(hello[4..]);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(hello[8..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(hello[12..]);
        if (magic != Magic || version != Version)
        {
            return $"its hello is not MpcSortition protocol version {Version}";
        }

        if (index != (uint)expectedParty || count != (uint)expectedCount)
        {
            return $"it says it is party {index} of {count}, expected party {expectedParty} of {expectedCount}";
        }

        return null;
    }

    /// <summary>
    /// Makes text that a remote party chose (a certificate subject, an abort reason, an exception message about its
    /// bytes) safe to put into a log line: control characters become '?', and the length is bounded.
    /// </summary>
    internal static string Printable(string? text, int maxLength = 160)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (char c in text)
        {
            if (builder.Length == maxLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        }

        return builder.ToString();
    }
}
