using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MpcSortition.Selection.Verification;

/// <summary>One accepted submission as a leaf of the <see cref="SubmissionTree"/>: its id and the hash of the volunteer's
/// invitation code (64 hex digits), nothing else about the volunteer.</summary>
/// <param name="SubmissionId">The intake's submission id (what the volunteer's receipt shows).</param>
/// <param name="CodeHash">The SHA-256 of the invitation code as the intake stores it, 64 hex digits.</param>
public sealed record SubmissionLeaf(string SubmissionId, string CodeHash);

/// <summary>A volunteer's receipt: the leaf and the inclusion proof against a tree of <see cref="TreeSize"/> leaves.</summary>
/// <remarks>JSON (camelCase): <c>roundId</c>, <c>submissionId</c>, <c>codeHash</c>, <c>leafIndex</c>, <c>treeSize</c>,
/// <c>path</c> (hex sibling hashes from the leaf up).</remarks>
public sealed class SubmissionReceipt
{
    /// <summary>The round (32 hex digits).</summary>
    public required string RoundId { get; init; }

    /// <summary>The submission id.</summary>
    public required string SubmissionId { get; init; }

    /// <summary>The code hash (64 hex digits).</summary>
    public required string CodeHash { get; init; }

    /// <summary>The leaf's 0-based position.</summary>
    public required int LeafIndex { get; init; }

    /// <summary>The number of leaves of the tree the proof is for.</summary>
    public required int TreeSize { get; init; }

    /// <summary>The audit path: sibling hashes from the leaf up (RFC 9162 §2.1.3), 64 hex digits each.</summary>
    public required IReadOnlyList<string> Path { get; init; }

    /// <summary>The receipt as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(new ReceiptJson { RoundId = RoundId, SubmissionId = SubmissionId, CodeHash = CodeHash, LeafIndex = LeafIndex, TreeSize = TreeSize, Path = Path.ToArray() }, SubmissionJsonContext.Default.ReceiptJson);

    /// <summary>Reads a receipt written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="VerificationException">It is not a receipt (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static SubmissionReceipt Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ReceiptJson? r;
        try
        {
            r = JsonSerializer.Deserialize(json, SubmissionJsonContext.Default.ReceiptJson);
        }
        catch (JsonException)
        {
            r = null;
        }

        if (r?.RoundId is null || r.SubmissionId is null || r.CodeHash is null || r.LeafIndex is not int index || r.TreeSize is not int size || r.Path is null)
        {
            throw new VerificationException(VerificationProblem.Malformed, "The receipt is not a receipt: it needs roundId, submissionId, codeHash, leafIndex, treeSize and path.");
        }

        // JSON null in the path reads as a null string; refused here, or RootFromProof would dereference it.
        if (r.Path.Any(p => p is null))
        {
            throw new VerificationException(VerificationProblem.Malformed, "The receipt is not a receipt: its path holds a null where a sibling hash of 64 hex digits belongs.");
        }

        return new SubmissionReceipt { RoundId = r.RoundId, SubmissionId = r.SubmissionId, CodeHash = r.CodeHash, LeafIndex = index, TreeSize = size, Path = r.Path };
    }
}

/// <summary>A provider's signed statement of the tree root at the close of the intake.</summary>
/// <remarks>Signed text (UTF-8, lines ending in '\n'): <c>MpcSortition.submission-root.v1</c>, <c>round=</c>,
/// <c>party=</c>, <c>size=</c>, <c>root=</c> (64 hex digits), <c>closed=</c> (ISO 8601 UTC); signature as for
/// <see cref="SignedTranscript"/>.</remarks>
public sealed class SignedRoot
{
    /// <summary>The round (32 hex digits).</summary>
    public required string RoundId { get; init; }

    /// <summary>The provider that signs.</summary>
    public required int Party { get; init; }

    /// <summary>The number of accepted submissions.</summary>
    public required int TreeSize { get; init; }

    /// <summary>The root (64 hex digits).</summary>
    public required string Root { get; init; }

    /// <summary>When the intake closed (ISO 8601 UTC).</summary>
    public required string ClosedUtc { get; init; }

    /// <summary>The signature (hex); empty until signed.</summary>
    public string Signature { get; init; } = string.Empty;

    /// <summary>The signed text.</summary>
    /// <returns>The canonical text.</returns>
    public string ToText() => string.Create(CultureInfo.InvariantCulture, $"MpcSortition.submission-root.v1\nround={RoundId}\nparty={Party}\nsize={TreeSize}\nroot={Root}\nclosed={ClosedUtc}\n");

    /// <summary>Returns this root signed with the provider's certificate key.</summary>
    /// <param name="certificate">A certificate with an ECDSA or RSA private key.</param>
    /// <returns>The signed root.</returns>
    public SignedRoot Sign(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new SignedRoot { RoundId = RoundId, Party = Party, TreeSize = TreeSize, Root = Root, ClosedUtc = ClosedUtc, Signature = Convert.ToHexString(ProviderSignature.Sign(Encoding.UTF8.GetBytes(ToText()), certificate)) };
    }

    /// <summary>The signed root as JSON (camelCase: <c>roundId</c>, <c>party</c>, <c>treeSize</c>, <c>root</c>,
    /// <c>closedUtc</c>, <c>signature</c>), as a provider publishes it.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(new RootJson { RoundId = RoundId, Party = Party, TreeSize = TreeSize, Root = Root, ClosedUtc = ClosedUtc, Signature = Signature }, SubmissionJsonContext.Default.RootJson);

    /// <summary>Reads a root written by <see cref="ToJson"/> (its signature is checked by <see cref="Verify"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The root.</returns>
    /// <exception cref="VerificationException">It is not a signed root (<see cref="VerificationProblem.Malformed"/>).</exception>
    public static SignedRoot Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        RootJson? r;
        try
        {
            r = JsonSerializer.Deserialize(json, SubmissionJsonContext.Default.RootJson);
        }
        catch (JsonException)
        {
            r = null;
        }

        if (r?.RoundId is null || r.Party is not int party || r.TreeSize is not int size || r.Root is null || r.ClosedUtc is null || r.Signature is null)
        {
            throw new VerificationException(VerificationProblem.Malformed, "The file is not a signed root: it needs roundId, party, treeSize, root, closedUtc and signature.");
        }

        return new SignedRoot { RoundId = r.RoundId, Party = party, TreeSize = size, Root = r.Root, ClosedUtc = r.ClosedUtc, Signature = r.Signature };
    }

    /// <summary>Whether the signature verifies with the provider's pinned certificate.</summary>
    /// <param name="certificate">The pinned certificate of provider <see cref="Party"/>.</param>
    /// <returns>True when it verifies.</returns>
    public bool Verify(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Signature.Length % 2 == 0 && Signature.All(char.IsAsciiHexDigit)
            && ProviderSignature.Verify(Encoding.UTF8.GetBytes(ToText()), Convert.FromHexString(Signature), certificate);
    }
}

/// <summary>
/// A Merkle tree over the accepted submissions of a round (RFC 9162 hashing with domain separation): leaf hash
/// SHA-256(0x00 ‖ "MpcSortition.submission.v1" ‖ 32-byte code hash ‖ 4-byte little-endian length and UTF-8 bytes of the
/// submission id), node hash SHA-256(0x01 ‖ left ‖ right), the split at the largest power of two below the size, and the
/// empty tree's root SHA-256 of nothing. A provider publishes the signed root at close (<see cref="SignedRoot"/>); a
/// volunteer's receipt (<see cref="SubmissionReceipt"/>) proves that its submission is under it.
/// </summary>
public sealed class SubmissionTree
{
    private readonly byte[][] _leaves;

    /// <summary>Builds the tree over the submissions in the given order (the intake's order of acceptance).</summary>
    /// <param name="roundId">The round (32 hex digits).</param>
    /// <param name="submissions">The accepted submissions.</param>
    /// <exception cref="ArgumentException">A code hash is not 64 hex digits, or a submission id appears twice.</exception>
    public SubmissionTree(string roundId, IEnumerable<SubmissionLeaf> submissions)
    {
        ArgumentNullException.ThrowIfNull(roundId);
        ArgumentNullException.ThrowIfNull(submissions);
        RoundId = roundId;
        Leaves = submissions.ToArray();
        if (Leaves.Any(l => l is null))
        {
            throw new ArgumentException("A submission is null.", nameof(submissions));
        }

        if (Leaves.Select(l => l.SubmissionId).Distinct(StringComparer.Ordinal).Count() != Leaves.Count)
        {
            throw new ArgumentException("A submission id appears twice.", nameof(submissions));
        }

        _leaves = Leaves.Select(LeafHash).ToArray();
        Root = Convert.ToHexString(Hash(0, _leaves.Length));
    }

    /// <summary>The tree over a reconciled pool, in the pool's agreed order (sorted by code hash), so that the three
    /// providers, which reconcile to the same pool, publish the same root. This is what an intake publishes at close.</summary>
    /// <param name="roundId">The round (32 hex digits).</param>
    /// <param name="pool">The reconciled pool (<see cref="Intake.Reconciliation.Reconcile"/>).</param>
    /// <returns>The tree.</returns>
    public static SubmissionTree FromPool(string roundId, Intake.ReconciledPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new SubmissionTree(roundId, pool.Rows.Select(r => new SubmissionLeaf(r.SubmissionId, r.CodeHash)));
    }

    /// <summary>The round.</summary>
    public string RoundId { get; }

    /// <summary>The leaves in order.</summary>
    public IReadOnlyList<SubmissionLeaf> Leaves { get; }

    /// <summary>The root (64 hex digits).</summary>
    public string Root { get; }

    /// <summary>The unsigned root statement of provider <paramref name="party"/> at close (sign it with <see cref="SignedRoot.Sign"/>).</summary>
    /// <param name="party">The provider.</param>
    /// <param name="closedUtc">When the intake closed.</param>
    /// <returns>The statement.</returns>
    public SignedRoot RootStatement(int party, DateTime closedUtc) => new()
    {
        RoundId = RoundId,
        Party = party,
        TreeSize = _leaves.Length,
        Root = Root,
        ClosedUtc = closedUtc.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    /// <summary>The receipt of the submission with id <paramref name="submissionId"/>.</summary>
    /// <param name="submissionId">The submission.</param>
    /// <returns>The receipt with its inclusion proof.</returns>
    /// <exception cref="ArgumentException">No accepted submission has that id.</exception>
    public SubmissionReceipt Receipt(string submissionId)
    {
        int index = Leaves.ToList().FindIndex(l => l.SubmissionId == submissionId);
        if (index < 0)
        {
            throw new ArgumentException("No accepted submission has this id.", nameof(submissionId));
        }

        var path = new List<string>();
        Path(index, 0, _leaves.Length, path);
        return new SubmissionReceipt { RoundId = RoundId, SubmissionId = submissionId, CodeHash = Leaves[index].CodeHash, LeafIndex = index, TreeSize = _leaves.Length, Path = path };
    }

    /// <summary>Checks that a receipt's submission is under a published root: the root's signature against the pinned
    /// certificate, the round, the tree size and the inclusion proof.</summary>
    /// <param name="receipt">The volunteer's receipt.</param>
    /// <param name="root">The signed root a provider published at close.</param>
    /// <param name="certificate">That provider's pinned certificate.</param>
    /// <exception cref="VerificationException">The root's signature is bad (<see cref="VerificationProblem.BadSignature"/>)
    /// or the submission is not under it (<see cref="VerificationProblem.NotUnderRoot"/>).</exception>
    public static void VerifyReceipt(SubmissionReceipt receipt, SignedRoot root, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(certificate);
        if (!root.Verify(certificate))
        {
            throw new VerificationException(VerificationProblem.BadSignature, $"The published root's signature does not verify with provider {root.Party}'s pinned certificate: this is not the root that provider published.");
        }

        if (!string.Equals(receipt.RoundId, root.RoundId, StringComparison.OrdinalIgnoreCase))
        {
            throw new VerificationException(VerificationProblem.NotUnderRoot, "The receipt is for another round than the published root.");
        }

        if (receipt.TreeSize != root.TreeSize)
        {
            throw new VerificationException(VerificationProblem.NotUnderRoot, string.Create(CultureInfo.InvariantCulture, $"The receipt was issued for a tree of {receipt.TreeSize} submissions, but the published root covers {root.TreeSize}; ask the intake for a receipt against the closing root."));
        }

        if (!string.Equals(RootFromProof(receipt), root.Root, StringComparison.OrdinalIgnoreCase))
        {
            throw new VerificationException(VerificationProblem.NotUnderRoot, "The submission on this receipt is not among the accepted submissions under the published root (the proof leads to another root): the receipt, the submission id or the code hash differs from what the intake accepted.");
        }
    }

    /// <summary>The root a receipt's proof leads to (RFC 9162 §2.1.3.2).</summary>
    /// <param name="receipt">The receipt.</param>
    /// <returns>64 hex digits.</returns>
    /// <exception cref="VerificationException">The proof is malformed for its index and size (<see cref="VerificationProblem.NotUnderRoot"/>).</exception>
    public static string RootFromProof(SubmissionReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        static VerificationException Bad() => new(VerificationProblem.NotUnderRoot, "The receipt's proof does not fit its position and tree size: it cannot lead to any root.");
        if (receipt.LeafIndex < 0 || receipt.LeafIndex >= receipt.TreeSize || !RunTranscript.IsHex(receipt.CodeHash.ToUpperInvariant(), 64) || receipt.Path.Any(p => !RunTranscript.IsHex(p.ToUpperInvariant(), 64)))
        {
            throw Bad();
        }

        long fn = receipt.LeafIndex, sn = receipt.TreeSize - 1;

        // Stryker disable Assignment : fn and sn are never negative here (0 <= LeafIndex < TreeSize), so >>= and >>>= shift alike (equivalent mutants, docs/testing.md)
        byte[] r = LeafHash(new SubmissionLeaf(receipt.SubmissionId, receipt.CodeHash));
        foreach (string p in receipt.Path)
        {
            byte[] sibling = Convert.FromHexString(p);
            if (sn == 0)
            {
                throw Bad();
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(sibling, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Node(r, sibling);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Stryker restore Assignment
        return sn == 0 ? Convert.ToHexString(r) : throw Bad();
    }

    /// <summary>Describes the tree.</summary>
    /// <returns>Size and root prefix.</returns>
    public override string ToString() => $"SubmissionTree({_leaves.Length} leaves, root {Root[..16]}…)";

    private static byte[] LeafHash(SubmissionLeaf leaf)
    {
        // Never null: the constructor refuses null submissions and RootFromProof builds its leaf.
        if (!RunTranscript.IsHex(leaf.CodeHash.ToUpperInvariant(), 64))
        {
            throw new ArgumentException("A code hash is 64 hex digits.", nameof(leaf));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0]);
        hash.AppendData("MpcSortition.submission.v1"u8);
        hash.AppendData(Convert.FromHexString(leaf.CodeHash));
        byte[] id = Encoding.UTF8.GetBytes(leaf.SubmissionId);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, id.Length);
        hash.AppendData(length);
        hash.AppendData(id);
        return hash.GetHashAndReset();
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([1]);
        hash.AppendData(left);
        hash.AppendData(right);
        return hash.GetHashAndReset();
    }

    private static int Split(int n)
    {
        int k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }

    private byte[] Hash(int start, int count) => count switch
    {
        0 => SHA256.HashData(ReadOnlySpan<byte>.Empty),
        1 => _leaves[start],
        _ => Node(Hash(start, Split(count)), Hash(start + Split(count), count - Split(count))),
    };

    private void Path(int index, int start, int count, List<string> path)
    {
        if (count <= 1)
        {
            return;
        }

        int k = Split(count);
        if (index < k)
        {
            Path(index, start, k, path);
            path.Add(Convert.ToHexString(Hash(start + k, count - k)));
        }
        else
        {
            Path(index - k, start + k, count - k, path);
            path.Add(Convert.ToHexString(Hash(start, k)));
        }
    }
}

internal sealed class ReceiptJson
{
    public string? RoundId { get; set; }

    public string? SubmissionId { get; set; }

    public string? CodeHash { get; set; }

    public int? LeafIndex { get; set; }

    public int? TreeSize { get; set; }

    public string[]? Path { get; set; }
}

internal sealed class RootJson
{
    public string? RoundId { get; set; }

    public int? Party { get; set; }

    public int? TreeSize { get; set; }

    public string? Root { get; set; }

    public string? ClosedUtc { get; set; }

    public string? Signature { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ReceiptJson))]
[JsonSerializable(typeof(RootJson))]
internal sealed partial class SubmissionJsonContext : JsonSerializerContext;
