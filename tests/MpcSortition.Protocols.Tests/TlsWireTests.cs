using System.Buffers.Binary;

namespace MpcSortition.Protocols.Tests;

/// <summary>The bytes of the TLS set-up hello and frame header, and the sanitising of text a remote party chose.</summary>
public sealed class TlsWireTests
{
    [Fact]
    public void The_hello_is_magic_version_party_and_count_little_endian()
    {
        Assert.Equal("4D504353" + "01000000" + "02000000" + "03000000", Convert.ToHexString(TlsWire.Hello(2, 3)));
        Assert.Equal(TlsWire.HelloSize, TlsWire.Hello(0, 3).Length);
    }

    [Fact]
    public void The_frame_header_is_length_then_tag_little_endian()
    {
        var header = new byte[TlsWire.HeaderSize];
        TlsWire.WriteHeader(header, 0x0102_0304, TlsWire.GoodbyeTag);
        Assert.Equal("04030201FFFFFFFF", Convert.ToHexString(header));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(999, 999)]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(5000, 1000)]
    public void An_abort_frame_carries_the_reason_cut_to_a_thousand_characters(int length, int sent)
    {
        string reason = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
        byte[] frame = TlsWire.AbortFrame(reason);
        Assert.Equal(TlsWire.HeaderSize + sent, frame.Length);
        Assert.Equal((uint)sent, BinaryPrimitives.ReadUInt32LittleEndian(frame));
        Assert.Equal(TlsWire.AbortTag, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4)));
        Assert.Equal(reason[..sent], System.Text.Encoding.UTF8.GetString(frame.AsSpan(TlsWire.HeaderSize)));
        Assert.True(frame.Length - TlsWire.HeaderSize <= TlsWire.MaxAbortReason);
    }

    [Fact]
    public void A_matching_hello_is_accepted()
    {
        Assert.Null(TlsWire.CheckHello(TlsWire.Hello(1, 3), 1, 3));
    }

    [Theory]
    [InlineData(0, "not MpcSortition protocol version 1")]
    [InlineData(4, "not MpcSortition protocol version 1")]
    [InlineData(8, "it says it is party 2 of 3, expected party 1 of 3")]
    [InlineData(12, "it says it is party 1 of 4, expected party 1 of 3")]
    public void A_hello_with_another_magic_version_index_or_count_is_refused_with_the_reason(int field, string reason)
    {
        byte[] hello = TlsWire.Hello(1, 3);
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(field));
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(field), value + 1);
        string? refusal = TlsWire.CheckHello(hello, 1, 3);
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal);
    }

    [Fact]
    public void Remote_text_loses_its_control_characters_and_lone_surrogates()
    {
        Assert.Equal("a?b?c?", TlsWire.Printable("a\nb\u001bc\ud800"));
        Assert.Equal(string.Empty, TlsWire.Printable(null));
        Assert.Equal(string.Empty, TlsWire.Printable(string.Empty));
    }

    [Fact]
    public void Remote_text_is_cut_after_the_bound_with_an_ellipsis()
    {
        Assert.Equal("abcd", TlsWire.Printable("abcd", 4));
        Assert.Equal("abcd…", TlsWire.Printable("abcde", 4));
        Assert.Equal(new string('x', 160) + "…", TlsWire.Printable(new string('x', 500)));
    }
}
