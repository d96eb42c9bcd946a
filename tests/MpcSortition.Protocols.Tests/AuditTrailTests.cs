namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The audit trail on its own: an opening must say what it opens. The engines check the label as well before they
/// record, so the trail's own check was never exercised alone (removing it left every test green); a custom engine
/// written against the public <see cref="AuditTrail"/> relies on it.
/// </summary>
public sealed class AuditTrailTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_opening_without_a_label_is_refused_and_not_recorded(string? label)
    {
        var trail = new AuditTrail();
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => trail.Record(label!, ShareDomain.Arithmetic, 1, null, 1));
        Assert.Equal("label", e.ParamName);
        Assert.Equal(0, trail.Count);
        Assert.Empty(trail.Entries);
    }

    [Fact]
    public void A_negative_length_is_refused_and_not_recorded()
    {
        var trail = new AuditTrail();
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => trail.Record("x", ShareDomain.Boolean, -1, 2, 1)).ParamName);
        Assert.Equal(0, trail.Count);
    }

    [Fact]
    public void Entries_keep_their_order_and_fields_and_clear_empties_the_trail()
    {
        var trail = new AuditTrail();
        trail.Record("first", ShareDomain.Arithmetic, 0, null, 3);
        trail.Record("second", ShareDomain.Boolean, 70, 2, 5);
        Assert.Equal(2, trail.Count);
        Assert.Equal(
            [new AuditEntry(0, "first", ShareDomain.Arithmetic, 0, null, 3), new AuditEntry(1, "second", ShareDomain.Boolean, 70, 2, 5)],
            trail.Entries);
        trail.Clear();
        Assert.Equal(0, trail.Count);
        Assert.Empty(trail.Entries);
    }
}
