using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Selection.Records;

/// <summary>
/// One provider's records file (<c>records-i.shares</c>): the tax office's contribution for provider i.
/// </summary>
/// <remarks>
/// Layout (integers 32-bit little-endian): bytes 0–7 the magic <c>MPCREC01</c>; 8 the format version (1); 12 the party;
/// 16 the party count (3); 20 N; 24 A (attributes); 28 flags (1 = person keys, 2 = code hashes); 32–47 the round id;
/// then per attribute its name (2-byte length, UTF-8); then, with code hashes, N × 32 bytes (public); then, with person
/// keys, 2N share words; then N·A attribute share words (record-major); then SHA-256 of everything before. Each share on
/// its own is uniformly random; the header, names and code hashes are public. Written owner-only (0600).
/// </remarks>
public static class RecordShareFile
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int FixedHeader = 48;
    private static ReadOnlySpan<byte> Magic => "MPCREC01"u8;

    /// <summary>Writes one provider's part. The stream is left open.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="shares">The part.</param>
    public static void Write(Stream stream, RecordShares shares)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(shares);
        byte[] file = Encode(shares);
        try
        {
            stream.Write(file);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    /// <summary>Writes one provider's part at <paramref name="path"/>, owner-only (0600 on Unix).</summary>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="shares">The part.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteFile(string path, RecordShares shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        OwnerOnlyFile.Write(path, stream => Write(stream, shares));
    }

    /// <summary>Reads party <paramref name="party"/>'s part of the records of round <paramref name="roundId"/>, refusing any
    /// other file (not a records file, another version, another party, another round, a wrong length, a bad checksum).</summary>
    /// <param name="stream">The source (read to its end, at most the length the header announces plus one byte).</param>
    /// <param name="party">This provider, 0..2.</param>
    /// <param name="roundId">The sign-up round's 16-byte id.</param>
    /// <returns>The part.</returns>
    /// <exception cref="ProviderFileException">The file is refused; the message says why and holds no share.</exception>
    public static RecordShares Read(Stream stream, int party, ReadOnlySpan<byte> roundId)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(party, 2);
        var head = new byte[FixedHeader];
        if (stream.ReadAtLeast(head, FixedHeader, throwOnEndOfStream: false) < FixedHeader || !head.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new ProviderFileException(ProviderFileProblem.Malformed, "The file is not a records file (no MPCREC01 header).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(8));
        int fileParty = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(12));
        int parties = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(16));
        int n = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(20));
        int a = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(24));
        int flags = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(28));
        if (version != FormatVersion)
        {
            throw new ProviderFileException(ProviderFileProblem.UnsupportedVersion, $"The records file has format {version}; this library reads format {FormatVersion}.");
        }

        if (parties != 3 || fileParty != party)
        {
            throw new ProviderFileException(ProviderFileProblem.OtherParty, $"The records file holds the shares of party {fileParty} of {parties}, not of party {party} of 3.");
        }

        if (!head.AsSpan(32, 16).SequenceEqual(roundId))
        {
            throw new ProviderFileException(ProviderFileProblem.OtherRound, $"The records file belongs to round {Convert.ToHexStringLower(head.AsSpan(32, 16))}, not to round {Convert.ToHexStringLower(roundId)}.");
        }

        if (n is < 1 or > TaxRecords.MaxRecords || a is < 1 or > TaxRecords.MaxAttributes || flags is < 1 or > 3)
        {
            throw new ProviderFileException(ProviderFileProblem.Malformed, $"The records file's header is out of range (N = {n}, A = {a}, flags = {flags}).");
        }

        using var rest = new MemoryStream();
        long bound = (a * (2L + ushort.MaxValue)) + (32L * n) + (8L * n) + (4L * n * a) + 32;
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            rest.Write(buffer, 0, read);
            if (rest.Length > bound)
            {
                throw new ProviderFileException(ProviderFileProblem.WrongLength, $"The records file is longer than a records file for N = {n} and A = {a} can be.");
            }
        }

        byte[] file = [.. head, .. rest.ToArray()];
        try
        {
            return Decode(file, n, a, flags, party);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    private static RecordShares Decode(byte[] file, int n, int a, int flags, int party)
    {
        int at = FixedHeader;
        var names = new string[a];
        for (int i = 0; i < a; i++)
        {
            if (at + 2 > file.Length)
            {
                throw Short(file.Length);
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at));
            at += 2;
            if (at + length > file.Length)
            {
                throw Short(file.Length);
            }

            names[i] = Encoding.UTF8.GetString(file, at, length);
            at += length;
        }

        long expected = at + ((flags & 2) != 0 ? 32L * n : 0) + ((flags & 1) != 0 ? 8L * n : 0) + (4L * n * a) + 32;
        if (file.Length != expected)
        {
            throw new ProviderFileException(ProviderFileProblem.WrongLength, $"The records file has {file.Length} bytes; a records file for N = {n} and A = {a} with these columns has {expected}.");
        }

        int body = file.Length - 32;
        if (!SHA256.HashData(file.AsSpan(0, body)).AsSpan().SequenceEqual(file.AsSpan(body)))
        {
            throw new ProviderFileException(ProviderFileProblem.ChecksumMismatch, "The records file is corrupted: its SHA-256 checksum does not match its content.");
        }

        string[]? codes = null;
        if ((flags & 2) != 0)
        {
            codes = new string[n];
            for (int r = 0; r < n; r++, at += 32)
            {
                codes[r] = Convert.ToHexStringLower(file.AsSpan(at, 32));
            }
        }

        uint[]? keys = (flags & 1) != 0 ? Words(file, ref at, 2 * n) : null;
        uint[] attributes = Words(file, ref at, n * a);
        try
        {
            return new RecordShares(party, file.AsSpan(32, 16).ToArray(), names, n, codes, keys, attributes);
        }
        catch (ArgumentException e)
        {
            throw new ProviderFileException(ProviderFileProblem.Malformed, $"The records file is malformed: {e.Message}", e);
        }
    }

    private static ProviderFileException Short(int length) =>
        new(ProviderFileProblem.WrongLength, $"The records file ends early ({length} bytes).");

    private static uint[] Words(byte[] file, ref int at, int count)
    {
        var words = new uint[count];
        for (int i = 0; i < count; i++, at += 4)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
        }

        return words;
    }

    private static byte[] Encode(RecordShares shares)
    {
        byte[][] names = shares.AttributeNames.Select(Encoding.UTF8.GetBytes).ToArray();
        if (names.Any(b => b.Length > ushort.MaxValue))
        {
            throw new ArgumentException("An attribute name is longer than 65 535 bytes.", nameof(shares));
        }

        int n = shares.Count, a = names.Length;
        bool codes = shares.CodeHashes is not null;
        long length = FixedHeader + names.Sum(b => 2L + b.Length) + (codes ? 32L * n : 0) + (shares.HasPersonKeys ? 8L * n : 0) + (4L * n * a) + 32;
        var file = new byte[length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), shares.Party);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), 3);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(20), n);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24), a);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(28), (shares.HasPersonKeys ? 1 : 0) | (codes ? 2 : 0));
        shares.RoundIdBytes.CopyTo(file.AsSpan(32));
        int at = FixedHeader;
        foreach (byte[] name in names)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), (ushort)name.Length);
            name.CopyTo(file, at + 2);
            at += 2 + name.Length;
        }

        foreach (string hash in shares.CodeHashes ?? [])
        {
            Convert.FromHexString(hash).CopyTo(file, at);
            at += 32;
        }

        foreach (uint w in shares.PersonKeyShares.Span)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), w);
            at += 4;
        }

        foreach (uint w in shares.AttributeShares.Span)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), w);
            at += 4;
        }

        SHA256.HashData(file.AsSpan(0, at), file.AsSpan(at));
        return file;
    }
}
