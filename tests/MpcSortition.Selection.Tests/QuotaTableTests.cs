using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>The one quota table behind the console, the report and quotas.csv.</summary>
public sealed class QuotaTableTests
{
    [Fact]
    public void Rows_follow_the_value_order_with_the_selected_counts()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        QuotaTable table = QuotaTable.Create(problem, [0, 1, 2, 3, 12, 13]);
        Assert.Equal(7, table.Rows.Count);
        Assert.Equal(new QuotaRow("gender", "f", 2, 4, 3), table.Rows[0]);
        Assert.Equal(problem.CountByValue([0, 1, 2, 3, 12, 13]), table.Rows.Select(r => r.Selected!.Value));
        Assert.True(table.HasSelected);
        Assert.False(table.AllMet); // no "old"
        Assert.False(table.Rows[4].IsMet);

        QuotaTable unknown = QuotaTable.Create(problem.Features, null);
        Assert.False(unknown.HasSelected);
        Assert.False(unknown.AllMet);
        Assert.Null(unknown.Rows[0].IsMet);
        Assert.Throws<ArgumentException>(() => QuotaTable.Create(problem.Features, [1, 2]));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("plain", "plain")]
    public void Csv_fields_cannot_start_a_spreadsheet_formula(string field, string written)
    {
        Assert.Equal(written, SpreadsheetCsv.Field(field));
    }

    [Fact]
    public void The_quota_csv_neutralises_names()
    {
        var features = new[] { new Feature("=cmd|' /C calc'!A0", [new FeatureValue("@x", 0, 1), new FeatureValue("-y", 0, 1)]) };
        var text = new StringWriter();
        QuotaTable.Create(features, [1, 0]).WriteCsv(text);
        Assert.Equal("feature,value,min,max,selected\n'=cmd|' /C calc'!A0,'@x,0,1,1\n'=cmd|' /C calc'!A0,'-y,0,1,0\n", text.ToString());
    }

    [Fact]
    public void An_unknown_count_is_an_empty_field()
    {
        var text = new StringWriter();
        QuotaTable.Create(ProviderTestData.Problem().Features, null).WriteCsv(text);
        Assert.StartsWith("feature,value,min,max,selected\ngender,f,2,4,\n", text.ToString(), StringComparison.Ordinal);
    }
}
