using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MpcSortition.Selection.Records;

/// <summary>
/// One provider's part of the tax office's records: the public parts (round id, N, attribute names, the invitation
/// code hashes if any) and this provider's additive shares of the person keys (two words per record, if any) and of
/// the attributes (N·A words, record-major: word r·A + a is record r's attribute a). Made by
/// <see cref="TaxRecords.Share"/>, stored by <see cref="RecordShareFile"/>.
/// </summary>
public sealed class RecordShares
{
    private readonly byte[] _roundId;
    private readonly string[] _names;
    private readonly string[]? _codeHashes;
    private readonly uint[]? _keyShares;
    private readonly uint[] _attributeShares;

    /// <summary>Creates one provider's part (for a host that receives shares by other means than a file).</summary>
    /// <param name="party">The provider, 0..2.</param>
    /// <param name="roundId">The sign-up round's 16-byte id.</param>
    /// <param name="attributeNames">The attribute names in order (income first).</param>
    /// <param name="count">N.</param>
    /// <param name="codeHashes">N code hashes (64 lower-case hex digits, public), or null.</param>
    /// <param name="personKeyShares">2N shares (high, low word per record), or null.</param>
    /// <param name="attributeShares">N·A shares, record-major.</param>
    /// <exception cref="ArgumentException">A length or value is out of range (the message says which).</exception>
    public RecordShares(int party, ReadOnlySpan<byte> roundId, IEnumerable<string> attributeNames, int count, IReadOnlyList<string>? codeHashes, ReadOnlySpan<uint> personKeyShares, ReadOnlySpan<uint> attributeShares)
        : this(party, roundId.ToArray(), attributeNames?.ToArray()!, count, codeHashes?.ToArray(), personKeyShares, attributeShares, personKeyShares.Length > 0)
    {
    }

    internal RecordShares(int party, byte[] roundId, IReadOnlyList<string> attributeNames, int count, string[]? codeHashes, uint[]? personKeyShares, uint[] attributeShares)
        : this(party, roundId, attributeNames.ToArray(), count, codeHashes, personKeyShares, attributeShares, personKeyShares is not null)
    {
    }

    private RecordShares(int party, byte[] roundId, string[] names, int count, string[]? codeHashes, ReadOnlySpan<uint> keys, ReadOnlySpan<uint> attributes, bool hasKeys)
    {
        ArgumentNullException.ThrowIfNull(names, "attributeNames");
        ArgumentOutOfRangeException.ThrowIfNegative(party);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(party, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, TaxRecords.MaxRecords);
        if (roundId.Length != 16)
        {
            throw new ArgumentException("The round id has 16 bytes.", nameof(roundId));
        }

        if (names.Length is 0 or > TaxRecords.MaxAttributes || names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
        {
            throw new ArgumentException($"Give 1 to {TaxRecords.MaxAttributes} distinct, non-empty attribute names.", "attributeNames");
        }

        if (codeHashes is not null && (codeHashes.Length != count || codeHashes.Any(h => !Intake.InvitationCode.IsCodeHash(h))))
        {
            throw new ArgumentException("Give N code hashes of 64 lower-case hex digits, or none.", nameof(codeHashes));
        }

        if (hasKeys && keys.Length != 2L * count)
        {
            throw new ArgumentException($"Expected 2N = {2L * count} person key shares, got {keys.Length}.", "personKeyShares");
        }

        if (attributes.Length != (long)count * names.Length)
        {
            throw new ArgumentException($"Expected N·A = {(long)count * names.Length} attribute shares, got {attributes.Length}.", "attributeShares");
        }

        if (codeHashes is null && !hasKeys)
        {
            throw new ArgumentException("The records need code hashes, person keys or both.", nameof(codeHashes));
        }

        Party = party;
        _roundId = roundId;
        _names = names;
        Count = count;
        _codeHashes = codeHashes;
        _keyShares = hasKeys ? keys.ToArray() : null;
        _attributeShares = attributes.ToArray();
    }

    /// <summary>The provider these shares are for.</summary>
    public int Party { get; }

    /// <summary>The sign-up round's id (32 lower-case hex digits).</summary>
    public string RoundId => Convert.ToHexStringLower(_roundId);

    /// <summary>The attribute names in order (income first).</summary>
    public IReadOnlyList<string> AttributeNames => _names;

    /// <summary>N, the number of records.</summary>
    public int Count { get; }

    /// <summary>The invitation code hashes per record (public: the intake's salted hash), or null.</summary>
    public IReadOnlyList<string>? CodeHashes => _codeHashes;

    /// <summary>Whether the records carry person keys.</summary>
    public bool HasPersonKeys => _keyShares is not null;

    /// <summary>This provider's shares of the person keys, 2N words (high, low per record), empty without keys. SECRET.</summary>
    public ReadOnlyMemory<uint> PersonKeyShares => _keyShares;

    /// <summary>This provider's shares of the attributes, N·A words record-major. SECRET.</summary>
    public ReadOnlyMemory<uint> AttributeShares => _attributeShares;

    internal ReadOnlySpan<byte> RoundIdBytes => _roundId;

    /// <summary>SHA-256 of the public parts (round id, N, attribute names, whether keys are present, the code hashes): the
    /// same at the three providers when they hold parts of the same contribution. Compared before any join.</summary>
    /// <returns>32 bytes.</returns>
    public byte[] PublicDigest()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("MpcSortition.records.v1\n"u8);
        sha.AppendData(_roundId);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, Count);
        sha.AppendData(number);
        BinaryPrimitives.WriteInt32LittleEndian(number, (HasPersonKeys ? 1 : 0) | (_codeHashes is null ? 0 : 2));
        sha.AppendData(number);
        foreach (string name in _names)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteInt32LittleEndian(number, bytes.Length);
            sha.AppendData(number);
            sha.AppendData(bytes);
        }

        foreach (string hash in _codeHashes ?? [])
        {
            sha.AppendData(Convert.FromHexString(hash));
        }

        return sha.GetHashAndReset();
    }

    /// <summary>Describes the part without any share.</summary>
    /// <returns>Party, N and attribute names.</returns>
    public override string ToString() => $"RecordShares(party {Party}, N={Count}, attributes={string.Join(",", _names)})";
}
