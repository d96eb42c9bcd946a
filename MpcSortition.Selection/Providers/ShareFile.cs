using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MpcSortition.Selection.Providers;

/// <summary>
/// One provider's share file (<c>party-i.shares</c>): a 128-byte header, the provider's n·V additive shares of the
/// one-hot matrix as 32-bit little-endian words, and SHA-256 of everything before it.
/// </summary>
/// <remarks>
/// Header (all integers 32-bit little-endian): bytes 0–7 the magic <c>MPCSHR01</c>; 8 the format version (1); 12 the
/// party index; 16 the party count (3); 20 n; 24 V; 28–43 the round id; 44–75 the layout hash; 76–127 zero. Body: share
/// j·V + v of candidate j's row (the row layout of <see cref="ContributorEncoding"/>). Trailer: 32 bytes of SHA-256 over
/// header and body. Each share on its own is a uniformly random word, so the file says nothing about the features; the
/// header holds only public data.
/// </remarks>
public static class ShareFile
{
    /// <summary>The header size in bytes.</summary>
    public const int HeaderSize = 128;

    /// <summary>The trailer (SHA-256) size in bytes.</summary>
    public const int TrailerSize = 32;

    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "MPCSHR01"u8;

    /// <summary>The exact length of a share file for <paramref name="round"/>.</summary>
    /// <param name="round">The round.</param>
    /// <returns>Header, 4·n·V bytes of shares and the checksum.</returns>
    public static long Length(RoundDefinition round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return HeaderSize + (4L * round.CandidateIds.Count * round.ValueCount) + TrailerSize;
    }

    /// <summary>Writes party <paramref name="party"/>'s shares of <paramref name="round"/>. The stream is left open.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="round">The round the shares belong to.</param>
    /// <param name="party">The provider, 0..2.</param>
    /// <param name="shares">Its n·V shares, row-major (entry j·V + v).</param>
    /// <exception cref="ArgumentException">The number of shares is not n·V.</exception>
    public static void Write(Stream stream, RoundDefinition round, int party, ReadOnlySpan<uint> shares)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(round);
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(party, ProviderRun.Parties);
        long count = (long)round.CandidateIds.Count * round.ValueCount;
        if (shares.Length != count)
        {
            throw new ArgumentException($"Expected n·V = {count} shares, got {shares.Length}.", nameof(shares));
        }

        byte[] file = new byte[Length(round)];
        try
        {
            Magic.CopyTo(file);
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), party);
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), ProviderRun.Parties);
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(20), round.CandidateIds.Count);
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24), round.ValueCount);
            round.RoundIdBytes.CopyTo(file.AsSpan(28));
            round.LayoutHashBytes.CopyTo(file.AsSpan(44));
            Span<byte> body = file.AsSpan(HeaderSize, 4 * shares.Length);
            for (int i = 0; i < shares.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(body[(4 * i)..], shares[i]);
            }

            SHA256.HashData(file.AsSpan(0, file.Length - TrailerSize), file.AsSpan(file.Length - TrailerSize));
            stream.Write(file);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    /// <summary>Writes the share file at <paramref name="path"/> owner-only (mode 0600 on Unix, see <see cref="OwnerOnlyFile"/>).</summary>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="round">The round the shares belong to.</param>
    /// <param name="party">The provider, 0..2.</param>
    /// <param name="shares">Its n·V shares.</param>
    /// <exception cref="ArgumentException">The number of shares is not n·V.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteFile(string path, RoundDefinition round, int party, ReadOnlySpan<uint> shares)
    {
        ArgumentNullException.ThrowIfNull(round);
        long count = (long)round.CandidateIds.Count * round.ValueCount;
        if (shares.Length != count)
        {
            throw new ArgumentException($"Expected n·V = {count} shares, got {shares.Length}.", nameof(shares));
        }

        uint[] copy = shares.ToArray();
        try
        {
            OwnerOnlyFile.Write(path, stream => Write(stream, round, party, copy));
        }
        finally
        {
            Array.Clear(copy);
        }
    }

    /// <summary>
    /// Reads party <paramref name="party"/>'s shares of <paramref name="round"/>, refusing any other file: not a share
    /// file, another format version, another party, another layout, another round, a wrong length, a checksum mismatch.
    /// Reads at most one byte more than a valid file has. The stream is left open.
    /// </summary>
    /// <param name="stream">The source.</param>
    /// <param name="round">The round this provider runs.</param>
    /// <param name="party">This provider, 0..2.</param>
    /// <returns>The n·V shares.</returns>
    /// <exception cref="ProviderFileException">The file is refused; <see cref="ProviderFileException.Problem"/> says why.</exception>
    public static uint[] Read(Stream stream, RoundDefinition round, int party)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(round);
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(party, ProviderRun.Parties);
        long expected = Length(round);
        byte[] file = new byte[expected + 1];
        int length = stream.ReadAtLeast(file, file.Length, throwOnEndOfStream: false);
        try
        {
            int n = round.CandidateIds.Count, v = round.ValueCount;
            if (length < HeaderSize || !file.AsSpan(0, 8).SequenceEqual(Magic))
            {
                throw new ProviderFileException(ProviderFileProblem.Malformed, "The file is not a share file (no MPCSHR01 header).");
            }

            int version = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8));
            int fileParty = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));
            int parties = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16));
            int fileN = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20));
            int fileV = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24));
            if (version != FormatVersion)
            {
                throw new ProviderFileException(ProviderFileProblem.UnsupportedVersion, $"The share file has format {version}; this library reads format {FormatVersion}.");
            }

            if (parties != ProviderRun.Parties || fileParty != party)
            {
                throw new ProviderFileException(ProviderFileProblem.OtherParty, $"The share file holds the shares of party {fileParty} of {parties}, not of party {party} of {ProviderRun.Parties}.");
            }

            if (!file.AsSpan(44, 32).SequenceEqual(round.LayoutHashBytes) || fileN != n || fileV != v)
            {
                throw new ProviderFileException(ProviderFileProblem.OtherLayout, $"The share file was dealt for another feature layout (n = {fileN}, V = {fileV}, layout hash {Convert.ToHexString(file.AsSpan(44, 8))}…) than the round file (n = {n}, V = {v}, layout hash {round.LayoutHash[..16]}…).");
            }

            if (!file.AsSpan(28, 16).SequenceEqual(round.RoundIdBytes))
            {
                throw new ProviderFileException(ProviderFileProblem.OtherRound, $"The share file holds shares of round {Convert.ToHexString(file.AsSpan(28, 16))}, not of round {round.RoundId}: use the share file of the same deal as the round file.");
            }

            if (length != expected)
            {
                string actual = length > expected ? $"more than {expected}" : length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw new ProviderFileException(ProviderFileProblem.WrongLength, $"The share file has {actual} bytes; a share file for n = {n} and V = {v} has {expected} (header {HeaderSize}, {4L * n * v} bytes of shares, checksum {TrailerSize}).");
            }

            int body = length - TrailerSize;
            if (!SHA256.HashData(file.AsSpan(0, body)).AsSpan().SequenceEqual(file.AsSpan(body, TrailerSize)))
            {
                throw new ProviderFileException(ProviderFileProblem.ChecksumMismatch, "The share file is corrupted: its SHA-256 checksum does not match its content.");
            }

            var shares = new uint[n * v];
            ReadOnlySpan<byte> words = file.AsSpan(HeaderSize, 4 * shares.Length);
            for (int i = 0; i < shares.Length; i++)
            {
                shares[i] = BinaryPrimitives.ReadUInt32LittleEndian(words[(4 * i)..]);
            }

            return shares;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }
}
