using System.Text;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

public sealed class InvitationCodeTests
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void GeneratedCodesAreCanonicalDistinctAndReadBackFromTheLetterForm()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => InvitationCode.Generate()).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        foreach (string c in codes.Take(200))
        {
            Assert.Equal(InvitationCode.Length, c.Length);
            Assert.True(InvitationCode.TryNormalize(InvitationCode.Format(c).ToLowerInvariant(), out string? back));
            Assert.Equal(c, back);
        }

        // 80 random bits: every symbol appears in every data position over 2000 codes.
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(32, codes.Select(c => c[i]).Distinct().Count());
        }
    }

    [Fact]
    public void ForgivingReadingOfTypedCodes()
    {
        string c = InvitationCode.Generate();
        string typed = c.Replace('1', 'l').Replace('0', 'O').ToLowerInvariant();
        Assert.True(InvitationCode.TryNormalize(" " + typed[..5] + " - " + typed[5..] + " ", out string? back));
        Assert.Equal(c, back);
    }

    [Fact]
    public void EverySingleSubstitutionAndEveryNeighbourSwapIsDetected()
    {
        for (int trial = 0; trial < 20; trial++)
        {
            string c = InvitationCode.Generate();
            for (int i = 0; i < c.Length; i++)
            {
                foreach (char x in Alphabet.Where(x => x != c[i]))
                {
                    Assert.False(InvitationCode.TryNormalize(c[..i] + x + c[(i + 1)..], out _));
                }

                if (i + 1 < c.Length && c[i] != c[i + 1])
                {
                    Assert.False(InvitationCode.TryNormalize(c[..i] + c[i + 1] + c[i] + c[(i + 2)..], out _));
                }
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCD")]
    [InlineData("UUUUUUUUUUUUUUUUU")]
    [InlineData("ÄBCDEFGHJKMNPQRST")]
    public void MalformedCodesAreRefused(string typed) => Assert.False(InvitationCode.TryNormalize(typed, out _));

    [Fact]
    public void HashDependsOnSaltAndCode()
    {
        string a = InvitationCode.Generate(), b = InvitationCode.Generate();
        byte[] s1 = new byte[16], s2 = Enumerable.Repeat((byte)1, 16).ToArray();
        Assert.Equal(InvitationCode.Hash(s1, a), InvitationCode.Hash(s1, a));
        Assert.NotEqual(InvitationCode.Hash(s1, a), InvitationCode.Hash(s2, a));
        Assert.NotEqual(InvitationCode.Hash(s1, a), InvitationCode.Hash(s1, b));
        Assert.Matches("^[0-9a-f]{64}$", InvitationCode.Hash(s1, a));
        Assert.DoesNotContain(a, InvitationCode.Hash(s1, a), StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class SignupRoundTests
{
    [Fact]
    public void SaveLoadRoundTripsAndKeepsTheHash()
    {
        SignupRound r = TestRounds.Small();
        var ms = new MemoryStream();
        r.Save(ms);
        ms.Position = 0;
        SignupRound back = SignupRound.Load(ms);
        Assert.Equal(r.Hash, back.Hash);
        Assert.Equal(7, back.ValueCount);
        Assert.Equal(48, back.ContactBlockLength);
        Assert.Equal(r.DeadlineUtc, back.DeadlineUtc);
        Assert.Equal([2, 3, 2], back.ValueCounts());
    }

    [Fact]
    public void HashIgnoresWhitespaceButNotContent()
    {
        SignupRound r = TestRounds.Small();
        var ms = new MemoryStream();
        r.Save(ms);
        string json = Encoding.UTF8.GetString(ms.ToArray());
        SignupRound compact = Load(json.Replace("\n", " ").Replace("  ", " "));
        Assert.Equal(r.Hash, compact.Hash);
        SignupRound edited = Load(json.Replace("\"Female\"", "\"Woman\""));
        Assert.NotEqual(r.Hash, edited.Hash);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"format\":2}", "format 2")]
    [InlineData("{\"format\":1}", "\"roundId\"")]
    public void BadFilesGetAMessageNamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void QuotaAboveKIsRefusedNamingTheValue()
    {
        SignupRound r = TestRounds.Small();
        var ms = new MemoryStream();
        r.Save(ms);
        string json = Encoding.UTF8.GetString(ms.ToArray()).Replace("\"max\": 2", "\"max\": 9");
        var e = Assert.Throws<InvalidDataException>(() => Load(json));
        Assert.Contains("'gender' = 'f'", e.Message);
    }

    private static SignupRound Load(string json) => SignupRound.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
}

public sealed class ContactBlockTests
{
    [Fact]
    public void EncodesPaddedFixedLengthAndSplitsByXor()
    {
        SignupRound r = TestRounds.Small();
        byte[] block = ContactBlock.Encode(r, ["Zoë", "zoe@example.org"]);
        Assert.Equal(48, block.Length);
        Assert.Equal(0, block[15]);
        Assert.Equal(["Zoë", "zoe@example.org"], ContactBlock.Decode(r, block));
        byte[][] shares = ContactBlock.Split(block);
        Assert.Equal(3, shares.Length);
        Assert.NotEqual(block, shares[1]);
        Assert.Equal(block, ContactBlock.Combine(shares));
    }

    [Fact]
    public void TooLongOrControlCharactersAreRefusedNamingTheField()
    {
        SignupRound r = TestRounds.Small();
        Assert.Contains("Name is too long", Assert.Throws<ArgumentException>(() => ContactBlock.Encode(r, ["ÄÄÄÄÄÄÄÄÄ", "a"])).Message);
        Assert.Contains("E-mail contains a control character", Assert.Throws<ArgumentException>(() => ContactBlock.Encode(r, ["a", "a\0b"])).Message);
    }
}

public sealed class SubmissionTests
{
    private static readonly SignupRound Round = TestRounds.Small();

    private static string Body(Action<Dictionary<string, object?>> edit)
    {
        Submission s = IntakeContribution.Create(Round, InvitationCode.Generate(), [0, 1, 1], ["A", "a@b.c"])[1];
        var d = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(s.ToJson())!;
        edit(d);
        return System.Text.Json.JsonSerializer.Serialize(d);
    }

    [Fact]
    public void ContributionRoundTripsAndReconstructs()
    {
        Submission[] parts = IntakeContribution.Create(Round, InvitationCode.Generate(), [1, 2, 0], ["Ann", "ann@example.org"]);
        var parsed = parts.Select((p, i) => Submission.TryParse(p.ToJson(), Round, i, out Submission? s, out _) ? s : throw new Xunit.Sdk.XunitException("refused")).ToArray();
        uint[] row = Enumerable.Range(0, 7).Select(j => parsed.Aggregate(0u, (acc, s) => unchecked(acc + s.Row[j]))).ToArray();
        Assert.Equal([0u, 1, 0, 0, 1, 1, 0], row);
        Assert.Equal(["Ann", "ann@example.org"], ContactBlock.Decode(Round, ContactBlock.Combine(parsed.Select(s => s.Contact.ToArray()).ToArray())));
        Assert.All(parsed, s => Assert.Equal(parts[0].SubmissionId, s.SubmissionId));
        Assert.DoesNotContain(parts[0].Code, parsed[0].ToString());
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "not json", "malformed" },
        { "[1,2]", "malformed" },
        { Body(d => d["format"] = 2), "unsupported_version" },
        { Body(d => d.Remove("format")), "malformed" },
        { Body(d => d["round"] = new string('0', 32)), "wrong_round" },
        { Body(d => d["party"] = 2), "wrong_party" },
        { Body(d => d["code"] = "ABCD"), "invalid_code" },
        { Body(d => d["submission"] = "xyz"), "bad_submission_id" },
        { Body(d => d["row"] = new uint[6]), "bad_row_length" },
        { Body(d => d["row"] = new long[] { 1, 2, 3, 4, 5, 6, 4294967296 }), "bad_row_value" },
        { Body(d => d["row"] = new object[] { 1, 2, 3, 4, 5, 6, "7" }), "bad_row_value" },
        { Body(d => d["row"] = new double[] { 1, 2, 3, 4, 5, 6, 0.5 }), "bad_row_value" },
        { Body(d => d["contact"] = Convert.ToBase64String(new byte[47])), "bad_contact" },
        { Body(d => d["contact"] = "%%%"), "bad_contact" },
        { Body(d => d["extra"] = 1), "malformed" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void EveryRefusalHasItsStableCodeAndASentence(string body, string code)
    {
        Assert.False(Submission.TryParse(Encoding.UTF8.GetBytes(body), Round, 1, out Submission? s, out IntakeError? e));
        Assert.Null(s);
        Assert.Equal(code, e!.Code);
        Assert.InRange(e.Status, 400, 499);
        Assert.EndsWith(".", e.Message);
    }
}

public sealed class ReceiptTests
{
    [Fact]
    public void SignedReceiptVerifiesAndFailsWhenTamperedOrWithAnotherCertificate()
    {
        SignupRound round = TestRounds.Small();
        Submission s = IntakeContribution.Create(round, InvitationCode.Generate(), [0, 0, 0], ["A", "B"])[0];
        string codeHash = InvitationCode.Hash(round.CodeSalt, s.Code);
        IntakeReceipt r = IntakeReceipt.SignStored(TestRounds.Certificates[0], s, codeHash, DateTimeOffset.UtcNow);
        IntakeReceipt back = IntakeReceipt.Parse(r.ToJson());
        Assert.True(back.Verify(TestRounds.PublicOnly(TestRounds.Certificates[0])));
        Assert.False(back.Verify(TestRounds.PublicOnly(TestRounds.Certificates[1])));
        Assert.Equal(s.StoredDigest(codeHash), back.StoredSha256);

        string json = Encoding.UTF8.GetString(r.ToJson());
        foreach ((string from, string to) in new[] { (s.SubmissionId, new string('0', 32)), ("\"party\":0", "\"party\":1"), (codeHash, new string('a', 64)), ("\"stored\"", "\"withdrawn\"") })
        {
            IntakeReceipt tampered = IntakeReceipt.Parse(Encoding.UTF8.GetBytes(json.Replace(from, to)));
            Assert.False(tampered.Verify(TestRounds.PublicOnly(TestRounds.Certificates[0])));
        }

        Assert.Throws<InvalidDataException>(() => IntakeReceipt.Parse("{\"format\":1}"u8));
    }
}

public sealed class ReconciliationTests
{
    [Fact]
    public void LatestCommonSubmissionCountsOthersDroppedOrSuperseded()
    {
        HistoryEntry E(string c, string s, long q) => new(c, s, q);
        var h0 = new List<HistoryEntry> { E("a", "a1", 1), E("a", "a2", 2), E("b", "b1", 3), E("c", "c1", 4), E("a", "a3", 5) };
        var h1 = new List<HistoryEntry> { E("a", "a1", 1), E("a", "a2", 2), E("b", "b1", 3), E("c", "c1", 4) };
        var h2 = new List<HistoryEntry> { E("a", "a2", 7), E("a", "a1", 8), E("b", "b1", 9), E("d", "d1", 10) };
        ReconciledPool pool = Reconciliation.Reconcile([h0, h1, h2]);
        Assert.Equal([("a", "a2"), ("b", "b1")], pool.Rows.Select(r => (r.CodeHash, r.SubmissionId)));
        Assert.Equal(2, pool.DroppedCodes); // c (not at provider 2), d (only at provider 2)
        Assert.Equal(1, pool.SupersededRows); // a1
        Assert.Equal(3, pool.PartialRows); // a3, c1, d1
    }
}
