using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>Issue 17 item 5: the submission tree, its signed root and the volunteers' receipts.</summary>
public sealed class VerificationReceiptTests
{
    private const string Round = "00112233445566778899AABBCCDDEEFF";

    private static SubmissionLeaf Leaf(int i) => new($"sub-{i}", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"code-{i}"))));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    public void Every_receipt_verifies_against_the_signed_root_and_round_trips_as_JSON(int size)
    {
        using X509Certificate2 cert = TlsCertificates.CreateSelfSigned("party-1", TimeSpan.FromDays(1));
        var tree = new SubmissionTree(Round, Enumerable.Range(0, size).Select(Leaf));
        SignedRoot root = SignedRoot.Parse(tree.RootStatement(1, DateTime.UtcNow).Sign(cert).ToJson());
        Assert.True(root.Verify(cert));
        for (int i = 0; i < size; i++)
        {
            SubmissionReceipt receipt = SubmissionReceipt.Parse(tree.Receipt($"sub-{i}").ToJson());
            SubmissionTree.VerifyReceipt(receipt, root, cert);
            Assert.Equal(tree.Root, SubmissionTree.RootFromProof(receipt));
        }
    }

    [Fact]
    public void The_three_providers_reconciling_the_same_histories_publish_the_same_root_and_receipts_hold_for_the_pool()
    {
        using X509Certificate2 cert = TlsCertificates.CreateSelfSigned("party-0", TimeSpan.FromDays(1));
        HistoryEntry[] history = Enumerable.Range(0, 7).Select(i => new HistoryEntry(Leaf(i).CodeHash.ToLowerInvariant(), $"sub-{i}", i)).ToArray();
        // Provider 2 received the histories in another order; reconciliation sorts by code hash, so the roots agree.
        string[] roots = Enumerable.Range(0, 3)
            .Select(p => SubmissionTree.FromPool(Round, Reconciliation.Reconcile([history, history, p == 2 ? history.Reverse().ToArray() : history])).Root)
            .ToArray();
        Assert.Equal(roots[0], roots[1]);
        Assert.Equal(roots[0], roots[2]);
        SubmissionTree tree = SubmissionTree.FromPool(Round, Reconciliation.Reconcile([history, history, history]));
        SignedRoot root = tree.RootStatement(0, DateTime.UtcNow).Sign(cert);
        SubmissionTree.VerifyReceipt(tree.Receipt("sub-3"), root, cert);
        Assert.Equal(7, root.TreeSize);
    }

    [Fact]
    public void A_one_leaf_tree_has_the_documented_leaf_hash_as_root_and_an_empty_tree_the_hash_of_nothing()
    {
        SubmissionLeaf leaf = Leaf(0);
        byte[] id = Encoding.UTF8.GetBytes(leaf.SubmissionId);
        byte[] expected = SHA256.HashData([0, .. "MpcSortition.submission.v1"u8, .. Convert.FromHexString(leaf.CodeHash), .. BitConverter.GetBytes(id.Length), .. id]);
        Assert.Equal(Convert.ToHexString(expected), new SubmissionTree(Round, [leaf]).Root);
        Assert.Equal(Convert.ToHexString(SHA256.HashData([])), new SubmissionTree(Round, []).Root);
    }

    [Fact]
    public void A_receipt_not_under_the_root_or_a_root_not_signed_by_the_provider_is_refused()
    {
        using X509Certificate2 cert = TlsCertificates.CreateSelfSigned("party-1", TimeSpan.FromDays(1));
        using X509Certificate2 other = TlsCertificates.CreateSelfSigned("party-2", TimeSpan.FromDays(1));
        var tree = new SubmissionTree(Round, Enumerable.Range(0, 6).Select(Leaf));
        SignedRoot root = tree.RootStatement(1, DateTime.UtcNow).Sign(cert);
        SubmissionReceipt good = tree.Receipt("sub-4");

        // A submission that was never accepted, with a receipt from another tree of the same size.
        var elsewhere = new SubmissionTree(Round, Enumerable.Range(10, 6).Select(Leaf));
        VerificationException e = Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(elsewhere.Receipt("sub-12"), root, cert));
        Assert.Equal(VerificationProblem.NotUnderRoot, e.Problem);
        Assert.Contains("not among the accepted submissions under the published root", e.Message, StringComparison.Ordinal);

        // The receipt altered: another code hash, another position, another round.
        SubmissionReceipt Changed(string? code = null, int? index = null, string? round = null) => new()
        {
            RoundId = round ?? good.RoundId, SubmissionId = good.SubmissionId, CodeHash = code ?? good.CodeHash, LeafIndex = index ?? good.LeafIndex, TreeSize = good.TreeSize, Path = good.Path,
        };
        Assert.Equal(VerificationProblem.NotUnderRoot, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Changed(code: Leaf(5).CodeHash), root, cert)).Problem);
        Assert.Equal(VerificationProblem.NotUnderRoot, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Changed(index: 3), root, cert)).Problem);
        Assert.Equal(VerificationProblem.NotUnderRoot, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Changed(index: 6), root, cert)).Problem);
        Assert.Equal(VerificationProblem.NotUnderRoot, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(Changed(round: new string('0', 32)), root, cert)).Problem);

        // A receipt from before the close (a smaller tree) is not a proof against the closing root.
        var early = new SubmissionTree(Round, Enumerable.Range(0, 5).Select(Leaf));
        Assert.Contains("covers 6", Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(early.Receipt("sub-4"), root, cert)).Message, StringComparison.Ordinal);

        // A root signed by another key, or edited after signing.
        Assert.Equal(VerificationProblem.BadSignature, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(good, tree.RootStatement(1, DateTime.UtcNow).Sign(other), cert)).Problem);
        SignedRoot edited = new() { RoundId = root.RoundId, Party = root.Party, TreeSize = root.TreeSize, Root = elsewhere.Root, ClosedUtc = root.ClosedUtc, Signature = root.Signature };
        Assert.Equal(VerificationProblem.BadSignature, Assert.Throws<VerificationException>(() => SubmissionTree.VerifyReceipt(good, edited, cert)).Problem);
        SubmissionTree.VerifyReceipt(good, root, cert);
    }
}
