using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

public sealed class CsvTests
{
    private const string Quotas = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\nage,young,1,2\nage,old,0,2\n";

    private const string People = "nationbuilder_id,name,gender,age\np1,Ann,female,young\np2,Bob,male,old\np3,Cy,male,young\n";

    private static IReadOnlyList<Feature> ReadQuotas(string text) => SortitionCsv.ReadQuotas(new StringReader(text), "quotas.csv");

    private static SortitionData ReadPeople(string text, string quotas = Quotas, SortitionCsvOptions? options = null) =>
        SortitionCsv.ReadPeople(new StringReader(text), "people.csv", ReadQuotas(quotas), options);

    private static InputProblem SingleProblem(Action read)
    {
        var e = Assert.Throws<SelectionInputException>(read);
        Assert.NotEmpty(e.Problems);
        Assert.StartsWith(e.Problems[0].File, e.Message, StringComparison.Ordinal);
        return e.Problems[0];
    }

    [Fact]
    public void Fixture150_ReadsAllPeopleFeaturesAndQuotas()
    {
        SortitionData data = Instances.ReadFixture150();
        Assert.Equal(150, data.Candidates.Count);
        Assert.Equal(["gender", "age_bracket", "edu_level", "geo_bucket"], data.Features.Select(f => f.Name));
        Assert.Equal(20, data.Features.Sum(f => f.Values.Count));
        FeatureValue female = data.Features[0].Values[0];
        Assert.Equal(("Female", 11, 12, (int?)0, (int?)12), (female.Name, female.Min, female.Max, female.MinFlex, female.MaxFlex));
        Assert.Equal("p0", data.Candidates[0].Id);
        Assert.Equal(["Male", "30-44", "Level 4 and above", "South Scotland"], data.Candidates[0].Values);
        Assert.Equal(13, data.PeopleHeader.Count);
        Assert.Equal("primary_zip0", data.Candidates[0].Fields[8]);
        Assert.Empty(FeasibilityCheck.Check(data.ToProblem(22)));
    }

    [Fact]
    public void Sample20_ReadsWithAnExplicitIdColumnInAnotherCase()
    {
        SortitionData data = SortitionCsv.Read(
            Path.Combine(Instances.Sample20, "sample_respondents.csv"),
            Path.Combine(Instances.Sample20, "sample_targets.csv"),
            new SortitionCsvOptions { IdColumn = "id" });
        Assert.Equal(20, data.Candidates.Count);
        Assert.Equal("1", data.Candidates[0].Id);
        Assert.Equal(["Gender", "Age", "Region"], data.Features.Select(f => f.Name));
        Assert.Equal(["Female", "18-35", "North"], data.Candidates[0].Values);
    }

    [Fact]
    public void OldHeaderStyleCategoryName()
    {
        IReadOnlyList<Feature> features = ReadQuotas("category,name,min,max\ngender,female,1,2\ngender,male,0,2\n");
        Assert.Equal("gender", features[0].Name);
        Assert.Equal(["female", "male"], features[0].Values.Select(v => v.Name));
        Assert.Null(features[0].Values[0].MinFlex);
    }

    [Fact]
    public void Nature2021HeaderStyleCategoryFeature()
    {
        // As in example_small_20/categories.csv: category = feature, feature = value; no final line break.
        IReadOnlyList<Feature> features = ReadQuotas("category,feature,min,max\ngender,female,9,20\ngender,male,9,20\nleaning,liberal,9,20\nleaning,conservative,9,20");
        Assert.Equal(["gender", "leaning"], features.Select(f => f.Name));
        Assert.Equal(["liberal", "conservative"], features[1].Values.Select(v => v.Name));
        Assert.Equal(9, features[1].Values[1].Min);
    }

    [Fact]
    public void HeaderCaseBomCrlfQuotesWhitespaceAndExtraColumnsAreAccepted()
    {
        string quotas = "\uFEFFFeature , VALUE,Min,MAX,comment\r\n\"gender\",\" female \",1,2,\"a, b\"\r\ngender,male,1,2,\r\n,,,,\r\n";
        IReadOnlyList<Feature> features = ReadQuotas(quotas);
        Assert.Equal(["female", "male"], features[0].Values.Select(v => v.Name));

        string people = "\uFEFFNationBuilder_ID,Gender\r\n\"x,1\",FEMALE \r\nx2,\"Male\"\r\n";
        SortitionData data = SortitionCsv.ReadPeople(new StringReader(people), "people.csv", features);
        Assert.Equal(["x,1", "x2"], data.Candidates.Select(c => c.Id));
        Assert.Equal(["female", "male"], data.Candidates.Select(c => c.Values[0]));
    }

    [Fact]
    public void UnorderedFeaturesKeepFirstAppearanceOrder()
    {
        IReadOnlyList<Feature> features = ReadQuotas("feature,value,min,max\ng,a,0,1\nh,x,0,1\ng,b,0,1\n");
        Assert.Equal(["g", "h"], features.Select(f => f.Name));
        Assert.Equal(["a", "b"], features[0].Values.Select(v => v.Name));
    }

    [Fact]
    public void WithoutAnIdColumnTheRowIndexIsTheId()
    {
        SortitionData data = ReadPeople("gender,age\nfemale,young\nmale,old\n");
        Assert.Equal(["0", "1"], data.Candidates.Select(c => c.Id));
    }

    [Fact]
    public void AddressColumnsFormCaseInsensitiveHouseholds()
    {
        string people = "nationbuilder_id,gender,age,street,zip\na,female,young,1 High St,AB1\nb,male,old, 1 high st ,ab1\nc,male,young,2 Low St,AB1\nd,male,old,,\ne,female,old,,\n";
        SortitionData data = ReadPeople(people, options: new SortitionCsvOptions { AddressColumns = ["Street", "ZIP"] });
        Assert.Equal(data.Candidates[0].Address, data.Candidates[1].Address);
        Assert.NotEqual(data.Candidates[0].Address, data.Candidates[2].Address);
        Assert.Null(data.Candidates[3].Address);
        Assert.Null(data.Candidates[4].Address);
    }

    [Fact]
    public void WritePanelWritesTheSelectedRowsWithAllColumns()
    {
        SortitionData data = ReadPeople("nationbuilder_id,name,gender,age\np1,\"Ann, Jr\",female,young\np2,Bob,male,old\np3,Cy,male,young\n");
        var writer = new StringWriter();
        SortitionCsv.WritePanel(writer, data, [2, 0]);
        Assert.Equal("nationbuilder_id,name,gender,age\np3,Cy,male,young\np1,\"Ann, Jr\",female,young\n", writer.ToString());
    }

    [Fact]
    public void WriteProbabilitiesWritesIdAndProbability()
    {
        SelectionProblem problem = ReadPeople(People).ToProblem(2);
        SelectionProbabilities p = SelectionProbabilities.Estimate(problem, new LegacyGreedy(), new byte[16], runs: 10);
        var writer = new StringWriter();
        SortitionCsv.WriteProbabilities(writer, p);
        string[] lines = writer.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("id,probability", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("p1,", lines[1], StringComparison.Ordinal);
        Assert.Equal(2.0, lines.Skip(1).Sum(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)), 9);
    }

    // ---- malformed quota files: one test per case -------------------------------------------------------------

    [Fact]
    public void Quotas_EmptyFile()
    {
        InputProblem p = SingleProblem(() => ReadQuotas(string.Empty));
        Assert.Contains("empty", p.Message, StringComparison.Ordinal);
        Assert.Equal(("quotas.csv", 1), (p.File, p.Line));
    }

    [Fact]
    public void Quotas_HeaderOnly()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\n"));
        Assert.Contains("no quotas", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_MissingColumn()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min\ngender,female,1\n"));
        Assert.Equal(1, p.Line);
        Assert.Contains("'max'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_DuplicateColumn()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max,MIN\ngender,female,1,2,3\n"));
        Assert.Equal((1, 5), (p.Line, p.Column));
    }

    [Fact]
    public void Quotas_OnlyOneFlexColumn()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max,min_flex\ngender,female,1,2,0\n"));
        Assert.Equal((1, 5), (p.Line, p.Column));
    }

    [Fact]
    public void Quotas_NonNumericMin()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,one,2\n"));
        Assert.Equal((2, 3, "min"), (p.Line, p.Column, p.ColumnName));
        Assert.Contains("not a whole number", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_FractionalMax()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,1,2.5\n"));
        Assert.Equal((2, 4), (p.Line, p.Column));
    }

    [Fact]
    public void Quotas_NegativeMin()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,-1,2\n"));
        Assert.Equal((2, 3), (p.Line, p.Column));
        Assert.Contains("negative", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_BlankMax()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,1,\n"));
        Assert.Equal((2, 4), (p.Line, p.Column));
        Assert.Contains("blank", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_MinGreaterThanMax()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,male,0,1\ngender,female,3,2\n"));
        Assert.Equal((3, 3), (p.Line, p.Column));
        Assert.Contains("gender/female", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_FlexRangeNotContainingMinMax()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max,min_flex,max_flex\ngender,female,1,2,0,1\n"));
        Assert.Equal((2, 6), (p.Line, p.Column));
    }

    [Fact]
    public void Quotas_DuplicateValueIgnoringCase()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,1,2\ngender,FEMALE,1,2\n"));
        Assert.Equal((3, 2), (p.Line, p.Column));
        Assert.Contains("line 2", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_BlankValue()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender, ,1,2\n"));
        Assert.Equal((2, 2), (p.Line, p.Column));
    }

    [Fact]
    public void Quotas_WrongFieldCount()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,female,1\n"));
        Assert.Equal(2, p.Line);
        Assert.Contains("3 fields", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_MalformedQuoting()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,value,min,max\ngender,\"female,1,2\n"));
        Assert.Equal(2, p.Line);
        Assert.Contains("quoting", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_AmbiguousHeader()
    {
        InputProblem p = SingleProblem(() => ReadQuotas("feature,category,value,min,max\ngender,g,female,1,2\n"));
        Assert.Equal(1, p.Line);
    }

    [Fact]
    public void Quotas_EveryProblemIsReported()
    {
        var e = Assert.Throws<SelectionInputException>(() => ReadQuotas("feature,value,min,max\ng,a,x,1\ng,b,1,y\ng,c,3,1\n"));
        Assert.Equal([2, 3, 4], e.Problems.Select(p => p.Line));
        Assert.Contains("and 2 more problems", e.Message, StringComparison.Ordinal);
    }

    // ---- malformed people files: one test per case ------------------------------------------------------------

    [Fact]
    public void People_EmptyFile()
    {
        InputProblem p = SingleProblem(() => ReadPeople(string.Empty));
        Assert.Equal(("people.csv", 1), (p.File, p.Line));
        Assert.Contains("empty", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_HeaderOnly()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age\n"));
        Assert.Contains("no people", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_MissingFeatureColumn()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender\np1,female\n"));
        Assert.Equal(1, p.Line);
        Assert.Contains("'age'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_MissingExplicitIdColumn()
    {
        InputProblem p = SingleProblem(() => ReadPeople(People, options: new SortitionCsvOptions { IdColumn = "person" }));
        Assert.Equal(1, p.Line);
        Assert.Contains("'person'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_MissingAddressColumn()
    {
        InputProblem p = SingleProblem(() => ReadPeople(People, options: new SortitionCsvOptions { AddressColumns = ["zip"] }));
        Assert.Contains("'zip'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_DuplicateFeatureColumn()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age,Gender\np1,female,young,male\n"));
        Assert.Equal((1, 4), (p.Line, p.Column));
    }

    [Fact]
    public void People_ValueNotInQuotas()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,name,gender,age\np1,Ann,female,young\np2,Bob,other,old\n"));
        Assert.Equal((2 + 1, 3, "gender"), (p.Line, p.Column, p.ColumnName));
        Assert.Contains("'other'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_BlankValue()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age\np1,female,\n"));
        Assert.Equal((2, 3), (p.Line, p.Column));
        Assert.Contains("blank", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_DuplicateId()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age\np1,female,young\n\np1,male,old\n"));
        Assert.Equal((4, 1), (p.Line, p.Column));
        Assert.Contains("line 2", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_BlankId()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age\n ,female,young\n"));
        Assert.Equal((2, 1), (p.Line, p.Column));
    }

    [Fact]
    public void People_WrongFieldCount()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,gender,age\np1,female,young,extra\n"));
        Assert.Equal(2, p.Line);
    }

    [Fact]
    public void People_LineNumbersCountLinesInsideQuotedFields()
    {
        InputProblem p = SingleProblem(() => ReadPeople("nationbuilder_id,name,gender,age\np1,\"two\nlines\",female,young\np2,Bob,male,elderly\n"));
        Assert.Equal((4, 4), (p.Line, p.Column));
    }

    [Fact]
    public void People_MissingFile()
    {
        InputProblem p = SingleProblem(() => SortitionCsv.Read("/nonexistent/people.csv", Path.Combine(Instances.Fixture150, "features.csv")));
        Assert.Equal("/nonexistent/people.csv", p.File);
        Assert.Contains("cannot open", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void People_InvalidUtf8()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mpcsortition-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllBytes(path, [.. "nationbuilder_id,gender\np1,"u8, 0xFF, 0xFE, (byte)'\n']);
            InputProblem p = SingleProblem(() => SortitionCsv.Read(path, Path.Combine(Instances.Sample20, "sample_targets.csv")));
            Assert.Contains("UTF-8", p.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
