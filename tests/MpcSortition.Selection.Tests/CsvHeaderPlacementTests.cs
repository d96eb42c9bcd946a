using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>Header columns may come in any order, including first; every quota column is checked for duplicates; the
/// readers leave the caller's reader and writer open; a byte-order mark in a text reader is not part of the header.</summary>
public sealed class CsvHeaderPlacementTests
{
    private const string Quotas = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n";

    private static IReadOnlyList<Feature> Q(string text) => SortitionCsv.ReadQuotas(new StringReader(text), "q.csv");

    private static InputProblem Refused(string text) =>
        Assert.Single(Assert.Throws<SelectionInputException>(() => Q(text)).Problems);

    [Theory]
    [InlineData("value")]
    [InlineData("name")]
    [InlineData("max")]
    [InlineData("min_flex")]
    [InlineData("max_flex")]
    public void EveryQuotaColumnIsCheckedForDuplicates(string column)
    {
        string header = column switch
        {
            "name" => "category,name,min,max",
            "min_flex" or "max_flex" => "feature,value,min,max,min_flex,max_flex",
            _ => "feature,value,min,max",
        };
        int fields = header.Split(',').Length;
        InputProblem p = Refused($"{header},{column.ToUpperInvariant()}\n{string.Join(',', Enumerable.Repeat("1", fields + 1))}\n");
        Assert.Equal((1, fields + 1), (p.Line, p.Column));
        Assert.Equal($"the column '{column}' appears twice", p.Message);
    }

    [Theory]
    [InlineData("max,feature,value,min\n2,g,a,1\n")]
    [InlineData("min_flex,max_flex,feature,value,min,max\n0,3,g,a,1,2\n")]
    [InlineData("max_flex,min_flex,feature,value,min,max\n3,0,g,a,1,2\n")]
    public void ColumnsMayComeFirst(string text)
    {
        FeatureValue v = Assert.Single(Assert.Single(Q(text)).Values);
        Assert.Equal(("a", 1, 2), (v.Name, v.Min, v.Max));
        if (text.Contains("flex", StringComparison.Ordinal))
        {
            Assert.Equal((0, 3), (v.MinFlex, v.MaxFlex));
        }
    }

    [Fact]
    public void TheNature2021StyleIsRecognisedWhateverTheColumnOrder()
    {
        Feature f = Assert.Single(Q("feature,category,min,max\nyoung,age,1,2\n"));
        Assert.Equal(("age", "young"), (f.Name, f.Values[0].Name));
    }

    [Theory]
    [InlineData("value,category,feature,min,max\na,g,g,1,2\n", 2, "category")]
    [InlineData("name,category,feature,min,max\na,g,g,1,2\n", 2, "category")]
    public void AValueOrNameColumnFirstStillMakesCategoryAndFeatureAmbiguous(string text, int column, string name)
    {
        InputProblem p = Refused(text);
        Assert.Equal((column, name), (p.Column, p.ColumnName));
        Assert.Equal("the header has both 'feature' and 'category'; use one of them", p.Message);
    }

    [Theory]
    [InlineData("value,name,feature,min,max\na,a,g,1,2\n", 2)]
    [InlineData("name,value,feature,min,max\na,a,g,1,2\n", 1)]
    public void ValueAndNameTogetherAreRefusedWhereverTheyAre(string text, int column)
    {
        InputProblem p = Refused(text);
        Assert.Equal((column, "name"), (p.Column, p.ColumnName));
    }

    [Fact]
    public void ABlankFeatureRowIsReportedOnce()
    {
        InputProblem p = Refused("feature,value,min,max\n ,a,x,2\n");
        Assert.Equal("the feature name is blank", p.Message);
    }

    [Fact]
    public void ABlankValueNameIsReportedInWords() =>
        Assert.Equal("the value name is blank", Refused("feature,value,min,max\ng, ,1,2\n").Message);

    [Fact]
    public void AFlexRangeAboveTheMaxIsReportedAtMaxFlex()
    {
        InputProblem p = Refused("feature,value,min,max,min_flex,max_flex\ng,a,1,2,1,1\n");
        Assert.Equal((6, "max_flex"), (p.Column, p.ColumnName));
    }

    [Fact]
    public void PeopleFileRefusalsSayWhatIsWrong()
    {
        IReadOnlyList<Feature> features = Q(Quotas);
        SelectionInputException Refuse(string text, SortitionCsvOptions? o = null) =>
            Assert.Throws<SelectionInputException>(() => SortitionCsv.ReadPeople(new StringReader(text), "p.csv", features, o));

        Assert.Equal("the record has 1 fields but the header has 2", Assert.Single(Refuse("nationbuilder_id,gender\np1\n").Problems).Message);
        Assert.Equal("the id is blank", Assert.Single(Refuse("nationbuilder_id,gender\n ,female\n").Problems).Message);
        Assert.Equal("the id column 'person' appears twice",
            Assert.Single(Refuse("person,gender,PERSON\n1,female,1\n", new SortitionCsvOptions { IdColumn = "person" }).Problems).Message);
    }

    [Fact]
    public void AByteOrderMarkInATextReaderIsNotPartOfTheFirstColumnName()
    {
        SortitionData d = SortitionCsv.ReadPeople(new StringReader("\uFEFFnationbuilder_id,gender\np7,female\n"), "p.csv", Q(Quotas));
        Assert.Equal("p7", Assert.Single(d.Candidates).Id);
        Assert.Equal("nationbuilder_id", d.PeopleHeader[0]);
    }

    [Fact]
    public void ReadersAndWritersOfTheCallerStayOpen()
    {
        var quotaReader = new StringReader(Quotas);
        IReadOnlyList<Feature> features = SortitionCsv.ReadQuotas(quotaReader, "q.csv");
        Assert.Equal(string.Empty, quotaReader.ReadToEnd());

        var peopleReader = new StringReader("nationbuilder_id,gender\np1,female\np2,male\n");
        SortitionData data = SortitionCsv.ReadPeople(peopleReader, "p.csv", features);
        Assert.Equal(string.Empty, peopleReader.ReadToEnd());

        using var writer = new StringWriter();
        SortitionCsv.WritePanel(writer, data, [1]);
        writer.Write("end");
        Assert.Equal("nationbuilder_id,gender\np2,male\nend", writer.ToString());
    }
}
