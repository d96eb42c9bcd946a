using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>The tax office's side: normalisation and person keys, the CSV and its refusals (file:line), the records
/// share file and its refusals.</summary>
public sealed class TaxRecordsTests
{
    private static readonly byte[] RoundId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] Salt = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData("Zoë  MÜLLER", "zoe muller")]
    [InlineData("José García-Núñez", "jose garcia nunez")]
    [InlineData("Hauptstraße 12a", "hauptstrasse 12a")]
    [InlineData("HAUPTSTRASSE 12 A", "hauptstrasse 12a")]
    [InlineData("Hauptstrasse 12-A, 79100 Freiburg", "hauptstrasse 12a 79100 freiburg")]
    [InlineData("  Søren \t Kierkegård ", "soren kierkegard")]
    [InlineData("Łukasz Weiß", "lukasz weiss")]
    [InlineData("Rue de l'Église 3", "rue de l eglise 3")]
    [InlineData("ﬁfth Avenue ２", "fifth avenue 2")]
    [InlineData("12 a street", "12a street")]
    public void NormalisationFollowsTheDocumentedRules(string text, string expected) => Assert.Equal(expected, PersonKey.Normalise(text));

    [Fact]
    public void PersonKeysAgreeAcrossSpellingsAndDependOnSaltNameAndAddress()
    {
        ulong key = PersonKey.Compute(Salt, "Zoë Müller", "Hauptstraße 12a");
        Assert.Equal(key, PersonKey.Compute(Salt, "ZOE  MULLER", "hauptstrasse 12-A"));
        Assert.NotEqual(key, PersonKey.Compute(Salt, "Zoë Mueller", "Hauptstraße 12a"));    // transliteration is not normalised
        Assert.NotEqual(key, PersonKey.Compute(Salt, "Zoë Müller", "Hauptstraße 12b"));
        Assert.NotEqual(key, PersonKey.Compute(Salt, "Zoë", "Müller Hauptstraße 12a"));     // the field boundary counts
        Assert.NotEqual(key, PersonKey.Compute(Salt.Reverse().ToArray(), "Zoë Müller", "Hauptstraße 12a"));
        uint[][] shares = PersonKey.Share(Salt, "Zoë Müller", "Hauptstraße 12a");
        (uint high, uint low) = PersonKey.Words(key);
        Assert.Equal(high, shares[0][0] + shares[1][0] + shares[2][0]);
        Assert.Equal(low, shares[0][1] + shares[1][1] + shares[2][1]);
        Assert.Throws<ArgumentException>(() => PersonKey.Compute(Salt, " - ", "Hauptstraße 1"));
        Assert.Throws<ArgumentException>(() => PersonKey.Compute(new byte[8], "A", "B"));
    }

    [Fact]
    public void AValidFileGivesCodeHashesKeysAndAttributes()
    {
        string code = InvitationCode.Generate();
        string csv = $"Name,Address,Code,Income,Children\n\"Zoë Müller\",\"Hauptstraße 12a, Freiburg\",{InvitationCode.Format(code).ToLowerInvariant()},42000,2\nAnn Lee,Mill Lane 3,{InvitationCode.Generate()},0,0\n";
        TaxRecords records = TaxRecords.Parse(new StringReader(csv), "t.csv", RoundId, Salt);
        Assert.Equal(2, records.Count);
        Assert.Equal(["income", "children"], records.AttributeNames);
        Assert.Equal(InvitationCode.Hash(Salt, code), records.CodeHashOf(0));
        Assert.Equal(PersonKey.Compute(Salt, "zoe muller", "hauptstrasse 12 A freiburg"), records.PersonKeyOf(0));
        Assert.Equal(42000u, records.ValueOf(0, 0));
        Assert.Equal(2u, records.ValueOf(0, 1));
        RecordShares[] parts = records.Share();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(i switch { 0 => 42000u, 1 => 2u, 2 => 0u, _ => 0u }, parts[0].AttributeShares.Span[i] + parts[1].AttributeShares.Span[i] + parts[2].AttributeShares.Span[i]);
        }

        Assert.Equal(parts[0].PublicDigest(), parts[2].PublicDigest());
        Assert.NotEqual(parts[0].AttributeShares.ToArray(), parts[1].AttributeShares.ToArray());
    }

    [Theory]
    [InlineData("code,income\n{C1},100\n{C1},200\n", "r.csv:3:1 (column 'code'): duplicate identifier: the same invitation code is also on line 2")]
    [InlineData("name,address,income\nAnn Lee,Mill Lane 3a,100\nANN  LEE,\"Mill Lane 3 A\",200\n", "r.csv:3:1 (column 'name'): duplicate identifier: the same name and address (after normalisation) are also on line 2")]
    [InlineData("code,income\n{C1},-5\n", "r.csv:2:2 (column 'income'): 'income' is negative: -5")]
    [InlineData("code,income\n{C1},2147483648\n", "r.csv:2:2 (column 'income'): 'income' is too large: 2147483648 (at most 2147483647)")]
    [InlineData("code,income\n{C1},99999999999999999999999\n", "r.csv:2:2 (column 'income'): 'income' is too large (at most 2147483647)")]
    [InlineData("code,income\n{C1},12.5\n", "r.csv:2:2 (column 'income'): 'income' is not a whole number: '12.5'")]
    [InlineData("code,income\n{C1},\n", "r.csv:2:2 (column 'income'): 'income' is blank")]
    [InlineData("code,income,children\n{C1},1\n", "r.csv:2: the row has 2 fields; the header has 3")]
    [InlineData("code,income\nNOT-A-CODE,1\n", "r.csv:2:1 (column 'code'): the code is not a valid invitation code (17 characters with a check character)")]
    [InlineData("code,income\n,1\n", "r.csv:2:1 (column 'code'): the code is blank")]
    [InlineData("code,salary\n{C1},1\n", "r.csv:1: there is no 'income' column")]
    [InlineData("name,income\nAnn,1\n", "r.csv:1: there is a 'name' column but no 'address' column (a person key needs both)")]
    [InlineData("income,children\n1,2\n", "r.csv:1: there is no identifier column: give 'code' (the invitation code) and/or 'name' and 'address'")]
    [InlineData("code,income,Income\n{C1},1,2\n", "r.csv:1:3 (column 'income'): the column 'income' appears twice (also column 2)")]
    [InlineData("code,income\n", "r.csv:1: the file holds no record (only the header row)")]
    [InlineData("", "r.csv: the file is empty (a header row is needed: code and/or name,address, then income and any further numeric columns)")]
    [InlineData("name,address,income\n\"Ann,Mill Lane,1\n", "r.csv:2: malformed CSV quoting")]
    [InlineData("name,address,income\n  ,Mill Lane 3,1\n", "r.csv:2:1 (column 'name'): the name is blank (nothing is left after normalisation)")]
    [InlineData("code,income\n{C1},-99999999999999999999999\n", "r.csv:2:2 (column 'income'): 'income' is negative")]
    [InlineData("code,income\n{C1},-\n", "r.csv:2:2 (column 'income'): 'income' is not a whole number: '-'")]
    [InlineData("code,income\n{C1},+\n", "r.csv:2:2 (column 'income'): 'income' is not a whole number: '+'")]
    [InlineData("code,income\n{C1},1234567890123456789012.4\n", "r.csv:2:2 (column 'income'): 'income' is not a whole number: '1234567890123456789012.4'")]
    [InlineData("code,income\n{C1},1234567890123456789012.45\n", "r.csv:2:2 (column 'income'): 'income' is not a whole number: '1234567890123456789012.4…'")]
    [InlineData("address,income\nMill Lane 3,1\n", "r.csv:1: there is an 'address' column but no 'name' column (a person key needs both)")]
    [InlineData("code,address,income\n{C1},Mill Lane 3,1\n", "r.csv:1: there is an 'address' column but no 'name' column (a person key needs both)")]
    [InlineData("code,income,flat\n{C1},1,2147483648\n", "r.csv:2:3 (column 'flat'): 'flat' is too large: 2147483648 (at most 2147483647)")]
    public void RefusalsNameFileLineAndColumn(string template, string expected)
    {
        string text = template.Replace("{C1}", InvitationCode.Format(InvitationCode.Generate()), StringComparison.Ordinal);
        SelectionInputException e = Assert.Throws<SelectionInputException>(() => TaxRecords.Parse(new StringReader(text), "r.csv", RoundId, Salt));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalsDoNotQuoteCodesNamesOrAddresses()
    {
        string code = InvitationCode.Generate();
        string text = $"code,name,address,income\n{code},Ann Secret,Hidden Road 1,5\n{code},Ann Secret,Hidden Road 1,x\n";
        SelectionInputException e = Assert.Throws<SelectionInputException>(() => TaxRecords.Parse(new StringReader(text), "r.csv", RoundId, Salt));
        Assert.Equal(3, e.Problems.Count);
        Assert.DoesNotContain(code, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.All(e.Problems, p => Assert.DoesNotContain("Secret", p.Message, StringComparison.Ordinal));
        Assert.All(e.Problems, p => Assert.DoesNotContain("Hidden", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void TheShareFileRoundTripsIsOwnerOnlyAndRefusesOtherFiles()
    {
        string csv = $"code,name,address,income,flat\n{InvitationCode.Generate()},Ann Lee,Mill Lane 3,100,1\n{InvitationCode.Generate()},Bo Lee,Mill Lane 4,200,0\n";
        RecordShares[] parts = TaxRecords.Parse(new StringReader(csv), "t.csv", RoundId, Salt).Share();
        string dir = Path.Combine(Path.GetTempPath(), "records-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "records-1.shares");
            RecordShareFile.WriteFile(path, parts[1]);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            RecordShares back;
            using (FileStream f = File.OpenRead(path))
            {
                back = RecordShareFile.Read(f, 1, RoundId);
            }

            Assert.Equal(parts[1].AttributeShares.ToArray(), back.AttributeShares.ToArray());
            Assert.Equal(parts[1].PersonKeyShares.ToArray(), back.PersonKeyShares.ToArray());
            Assert.Equal(parts[1].CodeHashes, back.CodeHashes);
            Assert.Equal(parts[1].AttributeNames, back.AttributeNames);
            Assert.Equal(parts[1].PublicDigest(), back.PublicDigest());

            byte[] bytes = File.ReadAllBytes(path);
            ProviderFileProblem Refusal(byte[] b, int party, byte[] round) =>
                Assert.Throws<ProviderFileException>(() => RecordShareFile.Read(new MemoryStream(b), party, round)).Problem;
            Assert.Equal(ProviderFileProblem.OtherParty, Refusal(bytes, 2, RoundId));
            Assert.Equal(ProviderFileProblem.OtherRound, Refusal(bytes, 1, new byte[16]));
            Assert.Equal(ProviderFileProblem.Malformed, Refusal([.. "MPCSHR01"u8, .. new byte[60]], 1, RoundId));
            Assert.Equal(ProviderFileProblem.WrongLength, Refusal(bytes[..^1], 1, RoundId));
            Assert.Equal(ProviderFileProblem.WrongLength, Refusal([.. bytes, 0], 1, RoundId));
            byte[] flipped = bytes.ToArray();
            flipped[^40] ^= 1;
            Assert.Equal(ProviderFileProblem.ChecksumMismatch, Refusal(flipped, 1, RoundId));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BandsAreCheckedAndNamed()
    {
        AttributeBands bands = AttributeBands.Create("Income", "income band", [20_000, 45_000], [(0, 5), (0, 5), (0, 5), (0, 5)]);
        Assert.Equal("income", bands.Attribute);
        Assert.Equal(["below 20000", "20000-44999", "45000 and above", "unknown"], bands.Feature.Values.Select(v => v.Name));
        Assert.Equal([0, 1, 1, 2], new uint[] { 19_999, 20_000, 44_999, 45_000 }.Select(bands.BandOf));
        Assert.Throws<ArgumentException>(() => AttributeBands.Create("income", "b", [45_000, 20_000], [(0, 5), (0, 5), (0, 5), (0, 5)]));
        Assert.Throws<ArgumentException>(() => AttributeBands.Create("income", "b", [0], [(0, 5), (0, 5), (0, 5)]));
        Assert.Throws<ArgumentException>(() => AttributeBands.Create("income", "b", [10], [(0, 5), (0, 5)]));
    }

    private static TaxRecords Parse(string text, byte[]? salt = null) => TaxRecords.Parse(new StringReader(text), "r.csv", RoundId, salt ?? Salt);

    private static IReadOnlyList<InputProblem> Problems(string text) =>
        Assert.Throws<SelectionInputException>(() => Parse(text)).Problems;

    [Fact]
    public void ColumnsInAnyOrderAreAcceptedIncludingIdentifiersAndIncomeInTheFirstColumn()
    {
        TaxRecords byKey = Parse("address,name,income,flat\nMill Lane 3,Ann Lee,100,1\n");
        Assert.True(byKey.HasPersonKeys);
        Assert.False(byKey.HasCodes);
        Assert.Equal(PersonKey.Compute(Salt, "Ann Lee", "Mill Lane 3"), byKey.PersonKeyOf(0));
        Assert.Equal(["income", "flat"], byKey.AttributeNames);

        TaxRecords byName = Parse("name,address,income\nAnn Lee,Mill Lane 3,7\n");
        Assert.Equal(PersonKey.Compute(Salt, "Ann Lee", "Mill Lane 3"), byName.PersonKeyOf(0));
        Assert.Equal(7u, byName.ValueOf(0, 0));

        string code = InvitationCode.Generate();
        TaxRecords incomeFirst = Parse($"income,children,code\n{TaxRecords.MaxValue},0,{code}\n");
        Assert.Equal(["income", "children"], incomeFirst.AttributeNames);
        Assert.Equal((uint)TaxRecords.MaxValue, incomeFirst.ValueOf(0, 0));   // exactly the largest value is accepted
        Assert.Equal(0u, incomeFirst.ValueOf(0, 1));
        Assert.Equal(InvitationCode.Hash(Salt, InvitationCode.TryNormalize(code, out string? c) ? c! : throw new InvalidOperationException()), incomeFirst.CodeHashOf(0));
        Assert.False(incomeFirst.HasPersonKeys);
        Assert.Null(incomeFirst.PersonKeyOf(0));
    }

    [Theory]
    [InlineData("name,income\nAnn,1\n", "there is a 'name' column but no 'address' column (a person key needs both)")]
    [InlineData("address,income\nMill Lane,1\n", "there is an 'address' column but no 'name' column (a person key needs both)")]
    [InlineData("income,name\n1,Ann\n", "there is a 'name' column but no 'address' column (a person key needs both)")]
    [InlineData("code,salary,\nX,1,2\n", "a column has no name")]
    public void AHeaderWithOneFaultHasExactlyOneProblem(string text, string message)
    {
        // One fault, one problem: a half person key is not also "no identifier column".
        IReadOnlyList<InputProblem> problems = Problems(text);
        Assert.Contains(problems, p => p.Message == message);
        Assert.True(problems.Count == 1 || (message == "a column has no name" && problems.Count == 2), string.Join(" | ", problems.Select(p => p.Message)));
    }

    [Fact]
    public void SixtyFourAttributeColumnsAreAcceptedAndSixtyFiveRefused()
    {
        string code = InvitationCode.Generate();
        string Header(int extra) => "code,income" + string.Concat(Enumerable.Range(1, extra).Select(i => $",a{i}"));
        string Row(int extra) => code + ",5" + string.Concat(Enumerable.Range(1, extra).Select(i => $",{i}"));

        TaxRecords most = Parse($"{Header(TaxRecords.MaxAttributes - 1)}\n{Row(TaxRecords.MaxAttributes - 1)}\n");
        Assert.Equal(TaxRecords.MaxAttributes, most.AttributeNames.Count);
        Assert.Equal(63u, most.ValueOf(0, 63));

        IReadOnlyList<InputProblem> tooMany = Problems($"{Header(TaxRecords.MaxAttributes)}\n{Row(TaxRecords.MaxAttributes)}\n");
        Assert.Equal("there are 65 attribute columns; at most 64 are accepted", Assert.Single(tooMany).Message);
        Assert.Equal(1, tooMany[0].Line);

        // A column without a name is not an attribute: 64 named attributes and one blank header are one problem, not two.
        IReadOnlyList<InputProblem> blank = Problems($"{Header(TaxRecords.MaxAttributes - 1)},\n{Row(TaxRecords.MaxAttributes - 1)},9\n");
        Assert.Equal("a column has no name", Assert.Single(blank).Message);
        Assert.Equal(TaxRecords.MaxAttributes + 2, blank[0].Column);
    }

    [Fact]
    public void AtMostOneHundredProblemsAreListedInFileOrder()
    {
        string text = "code,income\n" + string.Concat(Enumerable.Range(0, 150).Select(_ => "NOT-A-CODE,x\n"));
        SelectionInputException e = Assert.Throws<SelectionInputException>(() => Parse(text));
        Assert.Equal(100, e.Problems.Count);
        Assert.Equal(2, e.Problems[0].Line);
        Assert.Equal(51, e.Problems[^1].Line);   // two problems per row: rows 2 … 51
        Assert.EndsWith("(and 99 more problems)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlankLinesAreSkippedButCountedInLineNumbers()
    {
        string c1 = InvitationCode.Generate(), c2 = InvitationCode.Generate();
        TaxRecords records = Parse($"code,income\n{c1},1\n\n{c2},2\n");
        Assert.Equal(2, records.Count);
        Assert.Equal(2u, records.ValueOf(1, 0));
        Assert.StartsWith("r.csv:4:2 (column 'income'): 'income' is blank", Assert.Throws<SelectionInputException>(() => Parse($"code,income\n{c1},1\n\n{c2},\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArgumentsAreCheckedByName()
    {
        string csv = $"code,income\n{InvitationCode.Generate()},1\n";
        Assert.Equal("reader", Assert.Throws<ArgumentNullException>(() => TaxRecords.Parse(null!, "r.csv", RoundId, Salt)).ParamName);
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => TaxRecords.Parse(new StringReader(csv), null!, RoundId, Salt)).ParamName);
        Assert.Equal("roundId", Assert.Throws<ArgumentException>(() => TaxRecords.Parse(new StringReader(csv), "r.csv", new byte[15], Salt)).ParamName);
        Assert.Equal("roundId", Assert.Throws<ArgumentException>(() => TaxRecords.Parse(new StringReader(csv), "r.csv", new byte[17], Salt)).ParamName);
        Assert.Equal("salt", Assert.Throws<ArgumentException>(() => TaxRecords.Parse(new StringReader(csv), "r.csv", RoundId, Salt[..15])).ParamName);

        // A salt longer than 16 bytes is accepted, and it is the salt the code hashes use.
        byte[] longSalt = [.. Salt, .. Salt];
        TaxRecords records = Parse(csv, longSalt);
        Assert.Equal(1, records.Count);
        Assert.NotEqual(Parse(csv).CodeHashOf(0), records.CodeHashOf(0));
    }

    [Fact]
    public void ParseLeavesTheCallersReaderOpen()
    {
        var reader = new StringReader($"code,income\n{InvitationCode.Generate()},1\n");
        Assert.Equal(1, TaxRecords.Parse(reader, "r.csv", RoundId, Salt).Count);
        Assert.Equal(-1, reader.Peek());   // throws ObjectDisposedException once disposed
    }

    [Fact]
    public void MalformedQuotingInTheHeaderIsTheOnlyProblemReported()
    {
        // The rows of a file that CSV cannot read are not guessed at: no header or row problems follow the quoting one.
        SelectionInputException e = Assert.Throws<SelectionInputException>(() => Parse($"\"code,income\n{InvitationCode.Generate()},1\n"));
        Assert.All(e.Problems, p => Assert.StartsWith("malformed CSV quoting", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ReadChecksItsArgumentsByName()
    {
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => TaxRecords.Read(null!, null!)).ParamName);
        Assert.Equal("round", Assert.Throws<ArgumentNullException>(() => TaxRecords.Read("records.csv", null!)).ParamName);
    }
}
