using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Cli;

/// <summary>A round or share file that a provider must not use; the message says what is wrong and never contains a share.</summary>
internal sealed class RoundFileException(string message) : Exception(message);

/// <summary>One feature value of the public round description.</summary>
internal sealed record RoundValue(string Name, int Min, int Max);

/// <summary>One feature of the public round description.</summary>
internal sealed record RoundFeature(string Name, RoundValue[] Values);

/// <summary>
/// The public description of one selection round, identical at every provider (<c>round.json</c>): the round id, the
/// candidate ids, the features and quotas, k, the optional address groups, the layout hash, and the optional
/// commitment to a public test seed. It holds no secret.
/// </summary>
internal sealed class PublicRound
{
    internal const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int Format { get; set; } = CurrentFormat;

    /// <summary>32 hex digits, fresh for every deal.</summary>
    public string RoundId { get; set; } = string.Empty;

    public string CreatedUtc { get; set; } = string.Empty;

    public int PanelSize { get; set; }

    public string[] CandidateIds { get; set; } = [];

    public RoundFeature[] Features { get; set; } = [];

    /// <summary>Per candidate the index of the first candidate at the same address, −1 without address; null when nobody shares an address.</summary>
    public int[]? Households { get; set; }

    /// <summary>SHA-256 of the canonical layout (see <see cref="ComputeLayoutHash"/>), 64 hex digits.</summary>
    public string LayoutHash { get; set; } = string.Empty;

    /// <summary>SHA-256 commitment to a public test seed (see <see cref="CommitSeed"/>), or null.</summary>
    public string? SeedCommitment { get; set; }

    internal int ValueCount => Features.Sum(f => f.Values.Length);

    internal byte[] RoundIdBytes => Convert.FromHexString(RoundId);

    internal byte[] LayoutHashBytes => Convert.FromHexString(LayoutHash);

    /// <summary>The round of a plaintext problem, with a fresh round id.</summary>
    internal static PublicRound Create(SelectionProblem problem, bool includeAddresses, byte[]? testSeed)
    {
        var round = new PublicRound
        {
            RoundId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            CreatedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            PanelSize = problem.PanelSize,
            CandidateIds = problem.Candidates.Select(c => c.Id).ToArray(),
            Features = problem.Features.Select(f => new RoundFeature(f.Name, f.Values.Select(v => new RoundValue(v.Name, v.Min, v.Max)).ToArray())).ToArray(),
            Households = includeAddresses ? HouseholdsOf(problem) : null,
        };
        round.LayoutHash = Convert.ToHexString(round.ComputeLayoutHash());
        if (testSeed is not null)
        {
            round.SeedCommitment = Convert.ToHexString(CommitSeed(round.RoundIdBytes, testSeed));
        }

        return round;
    }

    /// <summary>SHA-256("MpcSortition.seed-commitment.v1" ‖ round id ‖ seed): published in round.json before the draw, checked by every node.</summary>
    internal static byte[] CommitSeed(ReadOnlySpan<byte> roundId, ReadOnlySpan<byte> seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("MpcSortition.seed-commitment.v1"u8);
        hash.AppendData(roundId);
        hash.AppendData(seed);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// SHA-256 over a canonical encoding of n, the ids, the features with their values and quotas, k and the address
    /// groups (every string as its UTF-8 length and bytes, every number as 4 bytes little-endian).
    /// </summary>
    internal byte[] ComputeLayoutHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] number = new byte[4];
        void Int(int v)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, v);
            hash.AppendData(number);
        }

        void Text(string s)
        {
            byte[] b = Encoding.UTF8.GetBytes(s);
            Int(b.Length);
            hash.AppendData(b);
        }

        Text("MpcSortition.round-layout.v1");
        Int(CandidateIds.Length);
        foreach (string id in CandidateIds)
        {
            Text(id);
        }

        Int(Features.Length);
        foreach (RoundFeature f in Features)
        {
            Text(f.Name);
            Int(f.Values.Length);
            foreach (RoundValue v in f.Values)
            {
                Text(v.Name);
                Int(v.Min);
                Int(v.Max);
            }
        }

        Int(PanelSize);
        Int(Households?.Length ?? -1);
        foreach (int h in Households ?? [])
        {
            Int(h);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>The secure selector's layout.</summary>
    internal SecureSelectionLayout ToLayout() => new(
        CandidateIds,
        Features.Select(f => new Feature(f.Name, f.Values.Select(v => new FeatureValue(v.Name, v.Min, v.Max)))),
        PanelSize,
        Households);

    internal void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json), new UTF8Encoding(false));

    /// <summary>Reads and checks a round file.</summary>
    /// <exception cref="RoundFileException">The file is missing, not a round file, or its layout hash does not match its content.</exception>
    internal static PublicRound Load(string path)
    {
        PublicRound? round;
        try
        {
            round = JsonSerializer.Deserialize<PublicRound>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new RoundFileException($"cannot read the round file {path}: {e.Message}");
        }

        if (round is null || round.Format != CurrentFormat)
        {
            throw new RoundFileException($"{path} is not a round file of format {CurrentFormat}.");
        }

        if (round.RoundId.Length != 32 || !round.RoundId.All(Uri.IsHexDigit) || round.LayoutHash.Length != 64 || !round.LayoutHash.All(Uri.IsHexDigit))
        {
            throw new RoundFileException($"{path}: the round id must be 32 and the layout hash 64 hex digits.");
        }

        if (!CryptographicOperations.FixedTimeEquals(round.ComputeLayoutHash(), round.LayoutHashBytes))
        {
            throw new RoundFileException($"{path}: the layout (ids, features, quotas, k, addresses) does not match its layout hash; the file was changed after dealing.");
        }

        return round;
    }

    private static int[]? HouseholdsOf(SelectionProblem problem)
    {
        if (!problem.HasSharedAddresses)
        {
            return null;
        }

        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[problem.Candidates.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string? address = problem.Candidates[i].Address;
            if (address is null)
            {
                result[i] = -1;
                continue;
            }

            if (!first.TryGetValue(address, out int f))
            {
                first[address] = f = i;
            }

            result[i] = f;
        }

        return result;
    }
}

/// <summary>
/// One provider's share file (<c>party-i.shares</c>): a 128-byte header, the n·V shares of the one-hot matrix as 32-bit
/// little-endian words, and a SHA-256 of everything before it.
/// </summary>
/// <remarks>
/// Header: bytes 0–7 the magic <c>MPCSHR01</c>; 8 format version (1); 12 party index; 16 party count (3); 20 n; 24 V;
/// 28–43 the round id; 44–75 the layout hash; the rest zero. The shares are uniformly random on their own, so the file
/// reveals nothing about the features; the header holds only public data.
/// </remarks>
internal static class ShareFile
{
    internal const int HeaderSize = 128;
    internal const int TrailerSize = 32;
    internal const uint Version = 1;

    private static ReadOnlySpan<byte> Magic => "MPCSHR01"u8;

    internal static void Write(string path, PublicRound round, int party, ReadOnlySpan<uint> shares)
    {
        int n = round.CandidateIds.Length, v = round.ValueCount;
        if (shares.Length != (long)n * v)
        {
            throw new ArgumentException($"Expected {(long)n * v} shares, got {shares.Length}.", nameof(shares));
        }

        byte[] file = new byte[HeaderSize + (4L * shares.Length) + TrailerSize];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), Version);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), party);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), LocalParties.Parties);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(20), n);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24), v);
        round.RoundIdBytes.CopyTo(file.AsSpan(28));
        round.LayoutHashBytes.CopyTo(file.AsSpan(44));
        Span<byte> body = file.AsSpan(HeaderSize, 4 * shares.Length);
        for (int i = 0; i < shares.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body[(4 * i)..], shares[i]);
        }

        SHA256.HashData(file.AsSpan(0, file.Length - TrailerSize), file.AsSpan(file.Length - TrailerSize));
        File.WriteAllBytes(path, file);
        CryptographicOperations.ZeroMemory(file);
    }

    /// <summary>Reads party <paramref name="party"/>'s shares of <paramref name="round"/>, refusing any other file.</summary>
    /// <exception cref="RoundFileException">The file is missing, truncated, corrupted, for another party, layout or round.</exception>
    internal static uint[] Read(string path, PublicRound round, int party)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RoundFileException($"cannot read the share file {path}: {e.Message}");
        }

        try
        {
            int n = round.CandidateIds.Length, v = round.ValueCount;
            long expected = HeaderSize + (4L * n * v) + TrailerSize;
            if (file.Length < HeaderSize || !file.AsSpan(0, 8).SequenceEqual(Magic))
            {
                throw new RoundFileException($"{path} is not a share file (no MPCSHR01 header).");
            }

            uint version = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8));
            int fileParty = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(12));
            int parties = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16));
            int fileN = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20));
            int fileV = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24));
            if (version != Version)
            {
                throw new RoundFileException($"{path} has share-file format {version}; this program reads format {Version}.");
            }

            if (parties != LocalParties.Parties || fileParty != party)
            {
                throw new RoundFileException($"{path} holds the shares of party {fileParty} of {parties}, not of party {party} of {LocalParties.Parties}.");
            }

            if (!file.AsSpan(44, 32).SequenceEqual(round.LayoutHashBytes) || fileN != n || fileV != v)
            {
                throw new RoundFileException($"{path} was dealt for another feature layout (n = {fileN}, V = {fileV}, layout hash {Convert.ToHexString(file.AsSpan(44, 8))}…) than the round file (n = {n}, V = {v}, layout hash {round.LayoutHash[..16]}…).");
            }

            if (!file.AsSpan(28, 16).SequenceEqual(round.RoundIdBytes))
            {
                throw new RoundFileException($"{path} holds shares of round {Convert.ToHexString(file.AsSpan(28, 16))}, not of round {round.RoundId}: use the share file of the same deal as the round file.");
            }

            if (file.LongLength != expected)
            {
                throw new RoundFileException($"{path} has {file.LongLength} bytes; a share file for n = {n} and V = {v} has {expected} (header {HeaderSize}, {4L * n * v} bytes of shares, checksum {TrailerSize}).");
            }

            if (!SHA256.HashData(file.AsSpan(0, file.Length - TrailerSize)).AsSpan().SequenceEqual(file.AsSpan(file.Length - TrailerSize)))
            {
                throw new RoundFileException($"{path} is corrupted: its SHA-256 checksum does not match its content.");
            }

            var shares = new uint[n * v];
            ReadOnlySpan<byte> body = file.AsSpan(HeaderSize, 4 * shares.Length);
            for (int i = 0; i < shares.Length; i++)
            {
                shares[i] = BinaryPrimitives.ReadUInt32LittleEndian(body[(4 * i)..]);
            }

            return shares;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }
}
