using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MpcSortition.Selection.Records;

/// <summary>
/// One provider's view of the sign-ups to be joined with the records (for example an intake's reconciled and checked
/// pool): per sign-up a public id and, when it signed up with an invitation code, the code's salted hash; this provider's
/// additive shares of the sign-ups' one-hot rows (n·V, the sign-up round's features); and, for matching under MPC, its
/// shares of each sign-up's <see cref="PersonKey"/> (2n words, high and low).
/// </summary>
public sealed class SignupShares
{
    private readonly string[] _ids;
    private readonly string?[] _codes;
    private readonly Feature[] _features;
    private readonly uint[] _rows;
    private readonly uint[]? _keys;

    /// <summary>Creates the view.</summary>
    /// <param name="ids">The sign-ups' public ids in pool order (distinct; e.g. code hashes or submission ids).</param>
    /// <param name="codeHashes">Per sign-up the invitation code hash (64 lower-case hex digits, as the intake stores it) or
    /// null for a sign-up without a code.</param>
    /// <param name="features">The sign-up round's features (row layout).</param>
    /// <param name="rows">This provider's n·V shares of the one-hot rows.</param>
    /// <param name="personKeyShares">This provider's 2n shares of the person keys, or empty when the sign-ups gave none.</param>
    /// <exception cref="ArgumentException">The lengths disagree, an id is blank or repeats, or a code hash is not 64
    /// lower-case hex digits.</exception>
    public SignupShares(IEnumerable<string> ids, IEnumerable<string?> codeHashes, IEnumerable<Feature> features, ReadOnlySpan<uint> rows, ReadOnlySpan<uint> personKeyShares = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(codeHashes);
        ArgumentNullException.ThrowIfNull(features);
        _ids = ids.ToArray();
        _codes = codeHashes.ToArray();
        _features = features.ToArray();
        if (_ids.Length == 0 || _ids.Any(string.IsNullOrWhiteSpace) || _ids.Distinct(StringComparer.Ordinal).Count() != _ids.Length)
        {
            throw new ArgumentException("Give at least one sign-up; ids must be non-blank and distinct.", nameof(ids));
        }

        if (_codes.Length != _ids.Length)
        {
            throw new ArgumentException($"Give one code hash (or null) per sign-up: {_ids.Length}, not {_codes.Length}.", nameof(codeHashes));
        }

        // The join matches code hashes as text against the records' (64 lower-case hex digits): any other spelling would
        // never match and the sign-up would silently fall into "unknown".
        int bad = Array.FindIndex(_codes, c => c is not null && !Intake.InvitationCode.IsCodeHash(c));
        if (bad >= 0)
        {
            throw new ArgumentException($"The code hash of sign-up {bad + 1} is not 64 lower-case hex digits (give null for a sign-up without a code).", nameof(codeHashes));
        }

        ValueCount = _features.Sum(f => f.Values.Count);
        if (rows.Length != (long)_ids.Length * ValueCount)
        {
            throw new ArgumentException($"Expected n·V = {(long)_ids.Length * ValueCount} row shares, got {rows.Length}.", nameof(rows));
        }

        if (personKeyShares.Length is not 0 && personKeyShares.Length != 2L * _ids.Length)
        {
            throw new ArgumentException($"Expected 2n = {2L * _ids.Length} person key shares (or none), got {personKeyShares.Length}.", nameof(personKeyShares));
        }

        _rows = rows.ToArray();
        _keys = personKeyShares.IsEmpty ? null : personKeyShares.ToArray();
    }

    /// <summary>The public ids in pool order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Per sign-up its code hash or null.</summary>
    public IReadOnlyList<string?> CodeHashes => _codes;

    /// <summary>The sign-up round's features.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>n.</summary>
    public int Count => _ids.Length;

    /// <summary>V of the sign-up rows.</summary>
    public int ValueCount { get; }

    /// <summary>This provider's row shares (n·V). SECRET.</summary>
    public ReadOnlyMemory<uint> Rows => _rows;

    /// <summary>Whether person key shares are present.</summary>
    public bool HasPersonKeys => _keys is not null;

    /// <summary>This provider's person key shares (2n), empty without. SECRET.</summary>
    public ReadOnlyMemory<uint> PersonKeyShares => _keys;

    /// <summary>SHA-256 of the public parts (ids, code hashes, features with quotas, whether keys are present).</summary>
    /// <returns>32 bytes.</returns>
    public byte[] PublicDigest()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string? s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s ?? "\0");
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, s is null ? -1 : bytes.Length);
            sha.AppendData(length);
            sha.AppendData(bytes);
        }

        Text("MpcSortition.signups.v1");
        Text(HasPersonKeys ? "keys" : "no-keys");
        for (int j = 0; j < _ids.Length; j++)
        {
            Text(_ids[j]);
            Text(_codes[j]);
        }

        foreach (Feature f in _features)
        {
            Text(f.Name);
            foreach (FeatureValue v in f.Values)
            {
                Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v.Name}\n{v.Min}\n{v.Max}"));
            }
        }

        return sha.GetHashAndReset();
    }

    /// <summary>Describes the view without any share.</summary>
    /// <returns>n, V and how many carry a code.</returns>
    public override string ToString() => $"SignupShares(n={Count}, V={ValueCount}, with code={_codes.Count(c => c is not null)}, keys={HasPersonKeys})";
}
