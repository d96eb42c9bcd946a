using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Quota and people files that must be refused, and what the user reads: which line and column, and a message naming the
/// column. Complements <c>CsvTests</c> with the header paths it does not reach (a duplicate in column 1, each missing
/// column, conflicting header styles) and with the exact rendering of a problem.
/// </summary>
public sealed class CsvRefusalTests
{
    private const string Quotas = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n";

    private static SelectionInputException RefuseQuotas(string text) =>
        Assert.Throws<SelectionInputException>(() => SortitionCsv.ReadQuotas(new StringReader(text), "q.csv"));

    private static SelectionInputException RefusePeople(string text, SortitionCsvOptions? options = null) =>
        Assert.Throws<SelectionInputException>(() => SortitionCsv.ReadPeople(
            new StringReader(text), "p.csv", SortitionCsv.ReadQuotas(new StringReader(Quotas), "q.csv"), options));

    [Theory]
    [InlineData("feature,value,min,max,Feature\ng,a,1,2,x\n", "feature")]
    [InlineData("min,feature,value,max,MIN\n1,g,a,2,3\n", "min")]
    [InlineData("category,name,min,max,category\ng,a,1,2,x\n", "category")]
    public void AQuotaColumnRepeatedFromColumnOneIsReportedAtItsSecondCopy(string text, string column)
    {
        InputProblem p = Assert.Single(RefuseQuotas(text).Problems);
        Assert.Equal((1, 5), (p.Line, p.Column));
        Assert.Equal($"the column '{column}' appears twice", p.Message);
    }

    [Theory]
    [InlineData("value,min,max\na,1,2\n", "missing column 'feature' (or 'category')")]
    [InlineData("feature,min,max\ng,1,2\n", "missing column 'value' (or 'name')")]
    [InlineData("feature,value,max\ng,a,2\n", "missing column 'min'")]
    [InlineData("feature,value,min\ng,a,1\n", "missing column 'max'")]
    public void EachMissingQuotaColumnIsNamed(string text, string message)
    {
        InputProblem p = Assert.Single(RefuseQuotas(text).Problems);
        Assert.Equal((1, 0, message), (p.Line, p.Column, p.Message));
        Assert.Equal($"q.csv:1: {message}", p.ToString());
    }

    [Fact]
    public void AHeaderWithNoKnownColumnListsEveryMissingOne()
    {
        SelectionInputException e = RefuseQuotas("a,b\n1,2\n");
        Assert.Equal(4, e.Problems.Count);
        Assert.Equal("q.csv:1: missing column 'feature' (or 'category') (and 3 more problems)", e.Message);
    }

    [Theory]
    [InlineData("feature,value,min,max,min_flex\ng,a,1,2,0\n", 5, "min_flex")]
    [InlineData("feature,value,max_flex,min,max\ng,a,3,1,2\n", 3, "max_flex")]
    public void OneFlexColumnWithoutTheOtherIsReportedWhereItIs(string text, int column, string name)
    {
        InputProblem p = Assert.Single(RefuseQuotas(text).Problems);
        Assert.Equal((1, column, name), (p.Line, p.Column, p.ColumnName));
        Assert.Equal($"q.csv:1:{column} (column '{name}'): 'min_flex' and 'max_flex' must both be present or both absent", p.ToString());
    }

    [Fact]
    public void BothHeaderStylesAtOnceAreRefusedNamingTheExtraColumns()
    {
        SelectionInputException e = RefuseQuotas("category,feature,value,name,min,max\ng,g,a,a,1,2\n");
        Assert.Equal(
            ["q.csv:1:1 (column 'category'): the header has both 'feature' and 'category'; use one of them",
             "q.csv:1:4 (column 'name'): the header has both 'value' and 'name'; use one of them"],
            e.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void FlexColumnsAreReadAndMustContainMinMax()
    {
        IReadOnlyList<Feature> f = SortitionCsv.ReadQuotas(new StringReader("feature,value,min,max,min_flex,max_flex\ng,a,1,2,0,3\ng,b,1,1,1,1\n"), "q.csv");
        Assert.Equal((0, 3), (f[0].Values[0].MinFlex, f[0].Values[0].MaxFlex));
        Assert.Equal((1, 1), (f[0].Values[1].MinFlex, f[0].Values[1].MaxFlex));

        InputProblem p = Assert.Single(RefuseQuotas("feature,value,min,max,min_flex,max_flex\ng,a,1,2,2,3\n").Problems);
        Assert.Equal((2, 5, "min_flex"), (p.Line, p.Column, p.ColumnName));
        Assert.Equal("the flex range [2, 3] must contain [1, 2] for g/a", p.Message);

        InputProblem blank = Assert.Single(RefuseQuotas("feature,value,min,max,min_flex,max_flex\ng,a,1,2,0,\n").Problems);
        Assert.Equal((2, 6), (blank.Line, blank.Column));
    }

    [Fact]
    public void WithoutFlexColumnsTheFlexValuesAreAbsent()
    {
        IReadOnlyList<Feature> f = SortitionCsv.ReadQuotas(new StringReader(Quotas), "q.csv");
        Assert.Null(f[0].Values[0].MinFlex);
        Assert.Null(f[0].Values[0].MaxFlex);
    }

    [Fact]
    public void MinEqualToMaxIsAccepted()
    {
        IReadOnlyList<Feature> f = SortitionCsv.ReadQuotas(new StringReader("feature,value,min,max\ng,a,2,2\n"), "q.csv");
        Assert.Equal((2, 2), (f[0].Values[0].Min, f[0].Values[0].Max));
    }

    [Fact]
    public void ABlankFeatureNameIsReportedAtItsColumn()
    {
        InputProblem p = Assert.Single(RefuseQuotas("feature,value,min,max\n ,a,1,2\n").Problems);
        Assert.Equal("q.csv:2:1 (column 'feature'): the feature name is blank", p.ToString());
    }

    [Fact]
    public void BlankQuotaLinesAreSkipped()
    {
        IReadOnlyList<Feature> f = SortitionCsv.ReadQuotas(new StringReader("feature,value,min,max\n,,,\ng,a,0,1\n"), "q.csv");
        Assert.Equal("a", Assert.Single(Assert.Single(f).Values).Name);
    }

    [Theory]
    [InlineData("gender,nationbuilder_id,GENDER\nfemale,p1,male\n", 3, "feature")]
    [InlineData("nationbuilder_id,gender,NationBuilder_Id\np1,female,p2\n", 3, "id")]
    public void APeopleColumnRepeatedFromColumnOneIsReported(string text, int column, string role)
    {
        InputProblem p = Assert.Single(RefusePeople(text).Problems);
        Assert.Equal((1, column), (p.Line, p.Column));
        Assert.StartsWith($"the {role} column '", p.Message, StringComparison.Ordinal);
        Assert.EndsWith("' appears twice", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARepeatedAddressColumnIsReported()
    {
        InputProblem p = Assert.Single(RefusePeople("zip,gender,ZIP\n1,female,2\n", new SortitionCsvOptions { AddressColumns = ["zip"] }).Problems);
        Assert.Equal((1, 3, "the address column 'zip' appears twice"), (p.Line, p.Column, p.Message));
    }

    [Fact]
    public void AnExplicitIdColumnInColumnOneIsUsed()
    {
        SortitionData d = SortitionCsv.ReadPeople(
            new StringReader("person,gender\nx7,female\nx9,male\n"), "p.csv", SortitionCsv.ReadQuotas(new StringReader(Quotas), "q.csv"),
            new SortitionCsvOptions { IdColumn = "PERSON" });
        Assert.Equal(["x7", "x9"], d.Candidates.Select(c => c.Id));
        Assert.Equal(["female", "male"], d.Candidates.Select(c => c.Values[0]));
    }

    [Fact]
    public void AddressesAreComparedAcrossAllAddressColumnsAndBlankAddressesShareNothing()
    {
        SortitionData d = SortitionCsv.ReadPeople(
            new StringReader("nationbuilder_id,gender,street,zip\na,female,Main St 1,1000\nb,male, main st 1 ,1000\nc,male,Main St 1,2000\nd,female, , \ne,male,,\n"),
            "p.csv", SortitionCsv.ReadQuotas(new StringReader(Quotas), "q.csv"),
            new SortitionCsvOptions { AddressColumns = ["street", "zip"] });
        Assert.Equal(d.Candidates[0].Address, d.Candidates[1].Address);
        Assert.NotEqual(d.Candidates[0].Address, d.Candidates[2].Address);
        Assert.Null(d.Candidates[3].Address);
        Assert.Null(d.Candidates[4].Address);
        SelectionProblem problem = d.ToProblem(2);
        Assert.True(problem.HasSharedAddresses);
        Assert.False(problem.IsValidPanel([0, 1]));
        Assert.True(problem.IsValidPanel([0, 2]));
        Assert.True(problem.IsValidPanel([3, 4]));
    }

    [Fact]
    public void ProblemsAreCappedAtOneHundred()
    {
        string rows = string.Concat(Enumerable.Range(0, 150).Select(i => $"g,v{i},x,1\n"));
        SelectionInputException e = RefuseQuotas("feature,value,min,max\n" + rows);
        Assert.Equal(100, e.Problems.Count);
        Assert.EndsWith("(and 99 more problems)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondProblemIsCountedInTheSingular()
    {
        SelectionInputException e = RefuseQuotas("feature,value,min,max\ng,a,x,1\ng,b,y,1\n");
        Assert.EndsWith("(and 1 more problem)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeopleProblemsAreCappedAtOneHundred()
    {
        string rows = string.Concat(Enumerable.Range(0, 150).Select(i => $"p{i},other\n"));
        SelectionInputException e = RefusePeople("nationbuilder_id,gender\n" + rows);
        Assert.Equal(100, e.Problems.Count);
    }

    [Fact]
    public void MissingFilesAreReportedWithTheirPath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "mpc-sortition-" + Guid.NewGuid().ToString("N") + ".csv");
        var e = Assert.Throws<SelectionInputException>(() => SortitionCsv.Read(missing, missing));
        Assert.Equal(missing, Assert.Single(e.Problems).File);
        Assert.Contains("cannot open the file", e.Message, StringComparison.Ordinal);
    }
}
