using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MpcSortition.Selection.Verification;
using static MpcSortition.Selection.Tests.EvidenceByHand;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The submission tree, volunteers' receipts and the signed root against the documented format (docs/verifiability.md,
/// "Submission tree and receipts"): an RFC 9162 tree with domain-separated leaves, computed here independently of
/// <see cref="SubmissionTree"/>; receipts and roots written by hand as JSON, then damaged one way each. What a volunteer
/// running <c>verify-receipt</c> must see: a good receipt accepted (also in lower-case hex), and every damaged receipt or
/// root refused with <see cref="VerificationProblem.Malformed"/>, <see cref="VerificationProblem.BadSignature"/> or
/// <see cref="VerificationProblem.NotUnderRoot"/> and a message saying which — never another exception.
/// </summary>
public sealed class SubmissionReceiptFormatTests
{
    private const string Closed = "2026-11-30T06:00:00Z";

    [Fact]
    public void The_root_and_every_proof_are_the_documented_rfc_9162_ones()
    {
        for (int n = 0; n <= 17; n++)
        {
            SubmissionLeaf[] leaves = Leaves(n);
            var tree = new SubmissionTree(Round, leaves);
            Assert.Equal(Mth(leaves), tree.Root);
            for (int m = 0; m < n; m++)
            {
                SubmissionReceipt receipt = tree.Receipt(leaves[m].SubmissionId);
                Assert.Equal(m, receipt.LeafIndex);
                Assert.Equal(n, receipt.TreeSize);
                Assert.Equal(leaves[m].CodeHash, receipt.CodeHash);
                Assert.Equal(Round, receipt.RoundId);
                Assert.Equal(AuditPath(m, leaves), receipt.Path);

                // A receipt written by hand from the independent proof leads to the independent root.
                Assert.Equal(Mth(leaves), SubmissionTree.RootFromProof(Receipt(ReceiptJson(leaves, m))));
            }
        }
    }

    [Fact]
    public void A_hand_written_receipt_is_read_member_by_member_and_lower_case_hex_leads_to_the_same_root()
    {
        SubmissionLeaf[] leaves = Leaves(6);
        JsonObject json = ReceiptJson(leaves, 4);
        SubmissionReceipt r = Receipt(json);
        Assert.Equal(Round, r.RoundId);
        Assert.Equal(leaves[4].SubmissionId, r.SubmissionId);
        Assert.Equal(leaves[4].CodeHash, r.CodeHash);
        Assert.Equal(4, r.LeafIndex);
        Assert.Equal(6, r.TreeSize);
        Assert.Equal(AuditPath(4, leaves), r.Path);

        JsonObject lower = ReceiptJson(leaves, 4);
        lower["roundId"] = Round.ToLowerInvariant();
        lower["codeHash"] = leaves[4].CodeHash.ToLowerInvariant();
        lower["path"] = new JsonArray(AuditPath(4, leaves).Select(p => (JsonNode?)p.ToLowerInvariant()).ToArray());
        using X509Certificate2 cert = EcCertificate("party-1");
        SubmissionTree.VerifyReceipt(Receipt(lower), Root(cert, 1, 6, Mth(leaves)), cert);

        // What ToJson writes is what the documentation names.
        JsonObject written = JsonNode.Parse(r.ToJson())!.AsObject();
        Assert.Equal(["roundId", "submissionId", "codeHash", "leafIndex", "treeSize", "path"], written.Select(m => m.Key));
        Assert.Equal(json.ToJsonString(), written.ToJsonString());
    }

    [Theory]
    [InlineData("roundId")]
    [InlineData("submissionId")]
    [InlineData("codeHash")]
    [InlineData("leafIndex")]
    [InlineData("treeSize")]
    [InlineData("path")]
    public void A_receipt_without_a_member_is_not_a_receipt(string member)
    {
        JsonObject json = ReceiptJson(Leaves(3), 1);
        json.Remove(member);
        Assert.Equal("The receipt is not a receipt: it needs roundId, submissionId, codeHash, leafIndex, treeSize and path.", Malformed(() => SubmissionReceipt.Parse(json.ToJsonString())));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"roundId\":\"R\",\"submissionId\":\"s\",\"codeHash\":\"c\",\"leafIndex\":\"1\",\"treeSize\":3,\"path\":[]}")]
    [InlineData("{\"roundId\":\"R\",\"submissionId\":\"s\",\"codeHash\":\"c\",\"leafIndex\":1,\"treeSize\":3,\"path\":\"AB\"}")]
    [InlineData("{\"roundId\":\"R\",\"submissionId\":\"s\",\"codeHash\":\"c\",\"leafIndex\":1.5,\"treeSize\":3,\"path\":[]}")]
    public void Text_that_is_not_a_receipt_of_the_documented_shape_is_refused(string json)
    {
        Assert.Contains("The receipt is not a receipt", Malformed(() => SubmissionReceipt.Parse(json)));
    }

    [Fact]
    public void A_null_in_the_path_is_a_malformed_receipt_not_a_null_reference()
    {
        // Found by this test: JSON null in "path" was read as a null string, and RootFromProof (verify-receipt) then
        // failed with NullReferenceException instead of refusing the receipt.
        JsonObject json = ReceiptJson(Leaves(6), 4);
        json["path"]!.AsArray().Insert(1, null);
        Assert.Equal("The receipt is not a receipt: its path holds a null where a sibling hash of 64 hex digits belongs.", Malformed(() => SubmissionReceipt.Parse(json.ToJsonString())));
    }

    [Theory]
    [InlineData("index -1")]
    [InlineData("index = size")]
    [InlineData("size 0")]
    [InlineData("code hash short")]
    [InlineData("code hash not hex")]
    [InlineData("sibling short")]
    [InlineData("sibling not hex")]
    [InlineData("one sibling more")]
    [InlineData("one sibling less")]
    [InlineData("no siblings")]
    public void A_proof_that_does_not_fit_its_position_and_size_leads_to_no_root(string damage)
    {
        SubmissionLeaf[] leaves = Leaves(6);
        JsonObject json = ReceiptJson(leaves, 4);
        JsonArray path = json["path"]!.AsArray();
        switch (damage)
        {
            case "index -1": json["leafIndex"] = -1; break;
            case "index = size": json["leafIndex"] = 6; break;
            case "size 0": json["treeSize"] = 0; json["leafIndex"] = 0; break;
            case "code hash short": json["codeHash"] = leaves[4].CodeHash[..^1]; break;
            case "code hash not hex": json["codeHash"] = "G" + leaves[4].CodeHash[1..]; break;
            case "sibling short": path[0] = ((string)path[0]!)[..62]; break;
            case "sibling not hex": path[0] = "Z" + ((string)path[0]!)[1..]; break;
            case "one sibling more": path.Add(Hex('0')); break;
            case "one sibling less": path.RemoveAt(path.Count - 1); break;
            case "no siblings": path.Clear(); break;
        }

        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.RootFromProof(Receipt(json)));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
        Assert.Equal("The receipt's proof does not fit its position and tree size: it cannot lead to any root.", e.Message);
    }

    [Fact]
    public void A_position_equal_to_the_size_is_refused_even_where_the_shifts_would_lead_to_a_root()
    {
        // Index 1 of a one-leaf tree with no siblings: the path walk alone would return the leaf hash as the root.
        SubmissionLeaf[] leaves = Leaves(1);
        JsonObject json = ReceiptJson(leaves, 0);
        json["leafIndex"] = 1;
        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.RootFromProof(Receipt(json)));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(5, 4)]
    [InlineData(8, 0)]
    [InlineData(13, 12)]
    public void A_single_extra_sibling_is_refused_at_every_shape_of_tree(int size, int index)
    {
        SubmissionLeaf[] leaves = Leaves(size);
        JsonObject json = ReceiptJson(leaves, index);
        Assert.Equal(Mth(leaves), SubmissionTree.RootFromProof(Receipt(json)));
        json["path"]!.AsArray().Add(Hex('0'));
        Assert.Equal(VerificationProblem.NotUnderRoot, Assert.Throws<VerificationException>(() => SubmissionTree.RootFromProof(Receipt(json))).Problem);
    }

    [Theory]
    [InlineData("another code hash")]
    [InlineData("another submission id")]
    [InlineData("another position")]
    [InlineData("siblings swapped")]
    [InlineData("a sibling changed")]
    public void A_receipt_whose_proof_leads_to_another_root_is_not_under_the_root(string damage)
    {
        using X509Certificate2 cert = EcCertificate("party-2");
        SubmissionLeaf[] leaves = Leaves(7);
        JsonObject json = ReceiptJson(leaves, 5);
        JsonArray path = json["path"]!.AsArray();
        switch (damage)
        {
            case "another code hash": json["codeHash"] = leaves[6].CodeHash; break;
            case "another submission id": json["submissionId"] = "sub-99"; break;
            case "another position": json["leafIndex"] = 4; break;
            case "siblings swapped": (path[0], path[1]) = ((string)path[1]!, (string)path[0]!); break;
            case "a sibling changed": path[1] = Hex('0'); break;
        }

        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Receipt(json), Root(cert, 2, 7, Mth(leaves)), cert));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
        Assert.StartsWith("The submission on this receipt is not among the accepted submissions under the published root (the proof leads to another root)", e.Message);
    }

    [Fact]
    public void A_receipt_of_another_round_or_of_a_tree_of_another_size_is_named_so()
    {
        using X509Certificate2 cert = EcCertificate("party-0");
        SubmissionLeaf[] leaves = Leaves(6);
        SignedRoot root = Root(cert, 0, 6, Mth(leaves));

        JsonObject other = ReceiptJson(leaves, 2);
        other["roundId"] = Hex('0', 32);
        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Receipt(other), root, cert));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
        Assert.Equal("The receipt is for another round than the published root.", e.Message);

        // A receipt issued before the close: the same submission in the tree of the first five.
        e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Receipt(ReceiptJson(leaves[..5], 2)), root, cert));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
        Assert.Equal("The receipt was issued for a tree of 5 submissions, but the published root covers 6; ask the intake for a receipt against the closing root.", e.Message);

        // The round id compares without regard to case; the root's hex too.
        JsonObject lower = ReceiptJson(leaves, 2);
        lower["roundId"] = Round.ToLowerInvariant();
        SubmissionTree.VerifyReceipt(Receipt(lower), root, cert);
        SubmissionTree.VerifyReceipt(Receipt(ReceiptJson(leaves, 2)), Root(cert, 0, 6, Mth(leaves).ToLowerInvariant()), cert);
    }

    [Fact]
    public void A_hand_signed_root_is_read_and_verified_and_its_text_is_the_documented_one()
    {
        using X509Certificate2 cert = EcCertificate("party-1");
        using X509Certificate2 pinned = PublicOnly(cert);
        string root = Mth(Leaves(6));
        SignedRoot signed = Root(cert, 1, 6, root);
        Assert.Equal(Round, signed.RoundId);
        Assert.Equal(1, signed.Party);
        Assert.Equal(6, signed.TreeSize);
        Assert.Equal(root, signed.Root);
        Assert.Equal(Closed, signed.ClosedUtc);
        Assert.Equal(RootText(1, 6, root), signed.ToText());
        Assert.True(signed.Verify(pinned));
        SubmissionTree.VerifyReceipt(Receipt(ReceiptJson(Leaves(6), 3)), signed, pinned);

        // Lower-case signature hex is the same signature.
        Assert.True(SignedRoot.Parse(RootJson(1, 6, root, Convert.ToHexString(Sign(RootText(1, 6, root), cert)).ToLowerInvariant())).Verify(pinned));

        // An RSA provider's root (RSA-PSS).
        X509Certificate2 rsa = RsaCertificate;
        Assert.True(SignedRoot.Parse(RootJson(1, 6, root, Convert.ToHexString(Sign(RootText(1, 6, root), rsa)))).Verify(rsa));

        JsonObject written = JsonNode.Parse(signed.ToJson())!.AsObject();
        Assert.Equal(["roundId", "party", "treeSize", "root", "closedUtc", "signature"], written.Select(m => m.Key));
        Assert.Equal(JsonNode.Parse(RootJson(1, 6, root, signed.Signature))!.ToJsonString(), written.ToJsonString());
    }

    [Theory]
    [InlineData("round")]
    [InlineData("party")]
    [InlineData("size")]
    [InlineData("root")]
    [InlineData("closed")]
    [InlineData("signature odd")]
    [InlineData("signature not hex")]
    [InlineData("signature empty")]
    [InlineData("signature der")]
    [InlineData("signature other key")]
    [InlineData("signature cut")]
    public void A_root_changed_after_signing_or_with_a_damaged_signature_is_a_bad_signature_naming_the_provider(string damage)
    {
        using X509Certificate2 cert = EcCertificate("party-1");
        using X509Certificate2 other = EcCertificate("party-x");
        SubmissionLeaf[] leaves = Leaves(6);
        string root = Mth(leaves);
        string text = RootText(1, 6, root);
        string signature = Convert.ToHexString(Sign(text, cert));
        string json = damage switch
        {
            "round" => RootJson(1, 6, root, signature, round: Round.ToLowerInvariant()),
            "party" => RootJson(2, 6, root, signature),
            "size" => RootJson(1, 5, root, signature),
            "root" => RootJson(1, 6, root.ToLowerInvariant(), signature),
            "closed" => RootJson(1, 6, root, signature, closed: "2026-11-30T06:00:01Z"),
            "signature odd" => RootJson(1, 6, root, signature[..^1]),
            "signature not hex" => RootJson(1, 6, root, "XY" + signature[2..]),
            "signature empty" => RootJson(1, 6, root, string.Empty),
            "signature der" => RootJson(1, 6, root, Convert.ToHexString(Der(text, cert))),
            "signature other key" => RootJson(1, 6, root, Convert.ToHexString(Sign(text, other))),
            _ => RootJson(1, 6, root, signature[..^2]),
        };
        SignedRoot signed = SignedRoot.Parse(json);
        Assert.False(signed.Verify(cert));
        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Receipt(ReceiptJson(leaves, 0)), signed, cert));
        Assert.Equal(VerificationProblem.BadSignature, e.Problem);
        Assert.Equal($"The published root's signature does not verify with provider {signed.Party}'s pinned certificate: this is not the root that provider published.", e.Message);
    }

    [Theory]
    [InlineData("roundId")]
    [InlineData("party")]
    [InlineData("treeSize")]
    [InlineData("root")]
    [InlineData("closedUtc")]
    [InlineData("signature")]
    public void A_root_without_a_member_is_not_a_signed_root(string member)
    {
        JsonObject json = JsonNode.Parse(RootJson(1, 6, Hex('A'), Hex('B', 128)))!.AsObject();
        json.Remove(member);
        Assert.Equal("The file is not a signed root: it needs roundId, party, treeSize, root, closedUtc and signature.", Malformed(() => SignedRoot.Parse(json.ToJsonString())));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{\"roundId\": 7}")]
    [InlineData("{\"party\": \"1\"}")]
    public void Text_that_is_not_a_signed_root_is_refused(string json)
    {
        Assert.StartsWith("The file is not a signed root", Malformed(() => SignedRoot.Parse(json)));
    }

    [Fact]
    public void The_root_statement_is_the_documented_text_at_the_close_in_utc_and_signing_it_gives_a_verifiable_root()
    {
        using X509Certificate2 cert = EcCertificate("party-2");
        SubmissionLeaf[] leaves = Leaves(5);
        var tree = new SubmissionTree(Round, leaves);
        DateTime closed = new DateTime(2026, 11, 30, 7, 5, 9, DateTimeKind.Utc);
        SignedRoot statement = tree.RootStatement(2, closed.ToLocalTime());
        Assert.Equal($"MpcSortition.submission-root.v1\nround={Round}\nparty=2\nsize=5\nroot={Mth(leaves)}\nclosed=2026-11-30T07:05:09Z\n", statement.ToText());
        Assert.Equal(string.Empty, statement.Signature);
        Assert.False(statement.Verify(cert));

        SignedRoot signed = statement.Sign(cert);
        using (ECDsa key = cert.GetECDsaPublicKey()!)
        {
            Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(statement.ToText()), Convert.FromHexString(signed.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }

        Assert.Equal(statement.ToText(), signed.ToText());
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => statement.Sign(null!)).ParamName);
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => statement.Verify(null!)).ParamName);
    }

    [Fact]
    public void A_tree_refuses_a_repeated_id_or_a_bad_code_hash_and_a_receipt_for_an_unknown_id()
    {
        SubmissionLeaf[] leaves = Leaves(4);
        Assert.Equal("submissions", Assert.Throws<ArgumentException>(() => new SubmissionTree(Round, [.. leaves, leaves[1] with { CodeHash = Hex('0') }])).ParamName);
        Assert.Throws<ArgumentException>(() => new SubmissionTree(Round, [leaves[0] with { CodeHash = Hex('0', 63) }]));
        Assert.Throws<ArgumentException>(() => new SubmissionTree(Round, [leaves[0] with { CodeHash = "X" + Hex('0', 63) }]));
        Assert.Equal("submissions", Assert.Throws<ArgumentException>(() => new SubmissionTree(Round, [leaves[0], null!])).ParamName);
        var tree = new SubmissionTree(Round, leaves);
        Assert.Equal("submissionId", Assert.Throws<ArgumentException>(() => tree.Receipt("sub-9")).ParamName);
        Assert.Equal($"SubmissionTree(4 leaves, root {Mth(leaves)[..16]}…)", tree.ToString());
        Assert.Equal(leaves, tree.Leaves);
        Assert.Equal(Round, tree.RoundId);

        // A lower-case code hash is a code hash (the intake stores them so): same leaf as upper case.
        SubmissionLeaf[] lower = leaves.Select(l => l with { CodeHash = l.CodeHash.ToLowerInvariant() }).ToArray();
        Assert.Equal(Mth(leaves), new SubmissionTree(Round, lower).Root);
    }

    [Fact]
    public void Missing_arguments_are_named()
    {
        SubmissionLeaf[] leaves = Leaves(2);
        var tree = new SubmissionTree(Round, leaves);
        using X509Certificate2 cert = EcCertificate("party-0");
        SignedRoot root = tree.RootStatement(0, DateTime.UtcNow).Sign(cert);
        SubmissionReceipt receipt = tree.Receipt("sub-0");
        Assert.Equal("roundId", Assert.Throws<ArgumentNullException>(() => new SubmissionTree(null!, leaves)).ParamName);
        Assert.Equal("submissions", Assert.Throws<ArgumentNullException>(() => new SubmissionTree(Round, null!)).ParamName);
        Assert.Equal("pool", Assert.Throws<ArgumentNullException>(() => SubmissionTree.FromPool(Round, null!)).ParamName);
        Assert.Equal("receipt", Assert.Throws<ArgumentNullException>(() => SubmissionTree.VerifyReceipt(null!, root, cert)).ParamName);
        Assert.Equal("root", Assert.Throws<ArgumentNullException>(() => SubmissionTree.VerifyReceipt(receipt, null!, cert)).ParamName);
        Assert.Equal("certificate", Assert.Throws<ArgumentNullException>(() => SubmissionTree.VerifyReceipt(receipt, root, null!)).ParamName);
        Assert.Equal("receipt", Assert.Throws<ArgumentNullException>(() => SubmissionTree.RootFromProof(null!)).ParamName);
        Assert.Equal("json", Assert.Throws<ArgumentNullException>(() => SubmissionReceipt.Parse(null!)).ParamName);
        Assert.Equal("json", Assert.Throws<ArgumentNullException>(() => SignedRoot.Parse(null!)).ParamName);
    }

    /// <summary>Submissions sub-0 … sub-(n−1), one with a non-ASCII id so that the length prefix counts UTF-8 bytes.</summary>
    private static SubmissionLeaf[] Leaves(int n) => Enumerable.Range(0, n)
        .Select(i => new SubmissionLeaf(i == 2 ? "sub-2-ü€" : $"sub-{i}", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"code-{i}")))))
        .ToArray();

    /// <summary>The documented leaf hash: SHA-256(0x00 ‖ "MpcSortition.submission.v1" ‖ code hash ‖ len32 LE ‖ UTF-8 id).</summary>
    private static byte[] LeafHash(SubmissionLeaf leaf)
    {
        byte[] id = Encoding.UTF8.GetBytes(leaf.SubmissionId);
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, id.Length);
        return SHA256.HashData([0x00, .. "MpcSortition.submission.v1"u8, .. Convert.FromHexString(leaf.CodeHash), .. length, .. id]);
    }

    private static byte[] NodeHash(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n ≥ 2).</summary>
    private static int K(int n) => 1 << (31 - int.LeadingZeroCount(n - 1));

    /// <summary>RFC 9162 §2.1.1 MTH.</summary>
    private static byte[] MthBytes(ReadOnlySpan<SubmissionLeaf> d) => d.Length switch
    {
        0 => SHA256.HashData([]),
        1 => LeafHash(d[0]),
        _ => NodeHash(MthBytes(d[..K(d.Length)]), MthBytes(d[K(d.Length)..])),
    };

    private static string Mth(SubmissionLeaf[] d) => Convert.ToHexString(MthBytes(d));

    /// <summary>RFC 9162 §2.1.3.1 PATH(m, D[n]), from the leaf up.</summary>
    private static List<string> AuditPath(int m, ReadOnlySpan<SubmissionLeaf> d)
    {
        if (d.Length <= 1)
        {
            return [];
        }

        int k = K(d.Length);
        List<string> path = m < k ? AuditPath(m, d[..k]) : AuditPath(m - k, d[k..]);
        path.Add(Convert.ToHexString(m < k ? MthBytes(d[k..]) : MthBytes(d[..k])));
        return path;
    }

    /// <summary>The receipt of leaf <paramref name="m"/> as the intake hands it out, written from the independent proof.</summary>
    private static JsonObject ReceiptJson(SubmissionLeaf[] leaves, int m) => new()
    {
        ["roundId"] = Round,
        ["submissionId"] = leaves[m].SubmissionId,
        ["codeHash"] = leaves[m].CodeHash,
        ["leafIndex"] = m,
        ["treeSize"] = leaves.Length,
        ["path"] = new JsonArray(AuditPath(m, leaves).Select(p => (JsonNode?)p).ToArray()),
    };

    private static SubmissionReceipt Receipt(JsonObject json) => SubmissionReceipt.Parse(json.ToJsonString());

    private static string RootText(int party, int size, string root, string round = Round, string closed = Closed) =>
        $"MpcSortition.submission-root.v1\nround={round}\nparty={party}\nsize={size}\nroot={root}\nclosed={closed}\n";

    private static string RootJson(int party, int size, string root, string signature, string round = Round, string closed = Closed) => new JsonObject
    {
        ["roundId"] = round, ["party"] = party, ["treeSize"] = size, ["root"] = root, ["closedUtc"] = closed, ["signature"] = signature,
    }.ToJsonString();

    /// <summary>Provider <paramref name="party"/>'s root, signed by hand over the documented text, as published JSON read back.</summary>
    private static SignedRoot Root(X509Certificate2 cert, int party, int size, string root) =>
        SignedRoot.Parse(RootJson(party, size, root, Convert.ToHexString(Sign(RootText(party, size, root), cert))));

    private static byte[] Der(string text, X509Certificate2 cert)
    {
        using ECDsa key = cert.GetECDsaPrivateKey()!;
        return key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static string Malformed(Action parse)
    {
        VerificationException e = Assert.Throws<VerificationException>(parse);
        Assert.Equal(VerificationProblem.Malformed, e.Problem);
        return e.Message;
    }
}
