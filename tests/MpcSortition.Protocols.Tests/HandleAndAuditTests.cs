using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// A handle holds one party's shares. Passing another party's handle (or two handles of different lengths) to an
/// interactive operation would send shares that do not belong to this party's sharing: the black box must refuse it
/// with an <see cref="ArgumentException"/> naming the parameter, before anything is sent or audited. And every
/// opening, including a boolean one to a single party, must appear in the audit trail.
/// </summary>
public sealed class HandleAndAuditTests
{
    public static TheoryData<string> Operations => new()
    {
        "Multiply x", "Multiply y", "Multiply length",
        "And x", "And y", "And length",
        "Open", "OpenTo", "OpenBits", "OpenBitsTo",
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_foreign_or_mismatched_handle_is_refused_by_name_and_nothing_is_sent(string operation)
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 40);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        SemiHonestBlackBox abb = boxes[1];
        ShareVector mine = abb.Random(5), mineShort = abb.Random(4), foreign = new(2, new uint[5]);
        BitShareVector bits = abb.RandomBits(70), bitsShort = abb.RandomBits(69), foreignBits = new(0, 70, new ulong[2]);
        IReadOnlyList<TraceEntry> traceBefore = abb.Trace.Entries;
        long sentBefore = abb.Trace.BytesSent;

        (Func<Task> call, string param) = operation switch
        {
            "Multiply x" => ((Func<Task>)(() => abb.MultiplyAsync(foreign, mine).AsTask()), "x"),
            "Multiply y" => (() => abb.MultiplyAsync(mine, foreign).AsTask(), "y"),
            "Multiply length" => (() => abb.MultiplyAsync(mine, mineShort).AsTask(), "y"),
            "And x" => (() => abb.AndAsync(foreignBits, bits).AsTask(), "x"),
            "And y" => (() => abb.AndAsync(bits, foreignBits).AsTask(), "y"),
            "And length" => (() => abb.AndAsync(bits, bitsShort).AsTask(), "y"),
            "Open" => (() => abb.OpenAsync(foreign, "test").AsTask(), "x"),
            "OpenTo" => (() => abb.OpenToAsync(foreign, 0, "test").AsTask(), "x"),
            "OpenBits" => (() => abb.OpenBitsAsync(foreignBits, "test").AsTask(), "x"),
            "OpenBitsTo" => (() => abb.OpenBitsToAsync(foreignBits, 0, "test").AsTask(), "x"),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(call);
        Assert.Equal(param, e.ParamName);
        Assert.Equal(sentBefore, abb.Trace.BytesSent);
        Assert.Equal(traceBefore, abb.Trace.Entries);
        Assert.Empty(abb.Audit.Entries);

        // The refusal left the black box usable: a correct call afterwards is not "another operation still running".
        Assert.Equal(5, (await Task.WhenAll(boxes.Select(b => b.OpenAsync(b.FromShares(new uint[5]), "after").AsTask())))[0].Length);
        await SeededSessions.DisposeAllAsync(boxes);
    }

    [Theory]
    [InlineData("Open", "")]
    [InlineData("OpenTo", " ")]
    [InlineData("OpenBits", "\t")]
    [InlineData("OpenBitsTo", "")]
    [InlineData("OpenBitsTo", null)]
    public async Task An_opening_without_a_label_is_refused_before_anything_is_sent(string operation, string? label)
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 42);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        SemiHonestBlackBox abb = boxes[2];
        long sent = abb.Trace.BytesSent;
        Func<Task> call = operation switch
        {
            "Open" => () => abb.OpenAsync(abb.Random(2), label!).AsTask(),
            "OpenTo" => () => abb.OpenToAsync(abb.Random(2), 1, label!).AsTask(),
            "OpenBits" => () => abb.OpenBitsAsync(abb.RandomBits(2), label!).AsTask(),
            _ => () => abb.OpenBitsToAsync(abb.RandomBits(2), 1, label!).AsTask(),
        };
        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(call);
        Assert.Equal("label", e.ParamName);
        Assert.Equal(sent, abb.Trace.BytesSent);
        Assert.Empty(abb.Audit.Entries);
        await SeededSessions.DisposeAllAsync(boxes);
    }

    [Theory]
    [InlineData("OpenTo")]
    [InlineData("OpenBitsTo")]
    public async Task An_opening_to_a_party_that_does_not_exist_is_refused_by_name(string operation)
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 43);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        SemiHonestBlackBox abb = boxes[0];
        Func<Task> call = operation == "OpenTo"
            ? () => abb.OpenToAsync(abb.Random(2), 3, "test").AsTask()
            : () => abb.OpenBitsToAsync(abb.RandomBits(2), -1, "test").AsTask();
        Assert.Equal("recipient", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(call)).ParamName);
        Assert.Empty(abb.Audit.Entries);
        await SeededSessions.DisposeAllAsync(boxes);
    }

    [Fact]
    public async Task Inputs_from_a_party_that_does_not_exist_or_of_the_wrong_size_are_refused_by_name()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 44);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        SemiHonestBlackBox abb = boxes[1];
        Assert.Equal("owner", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => abb.InputAsync(3, default, 2).AsTask())).ParamName);
        Assert.Equal("owner", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => abb.InputBitsAsync(-1, default, 2).AsTask())).ParamName);
        Assert.Equal("length", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => abb.InputAsync(0, default, -1).AsTask())).ParamName);
        Assert.Equal("words", (await Assert.ThrowsAsync<ArgumentException>(() => abb.InputBitsAsync(1, new ulong[1], 65).AsTask())).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => abb.Random(-1)).ParamName);

        // The party that is not the owner passes nothing and still gets its share.
        Assert.Equal(65, (await abb.InputBitsAsync(0, default, 65)).BitLength);
        Assert.Equal("SemiHonestBlackBox(party 1 of 3)", abb.ToString());
        Assert.Equal((1, 3), (abb.PartyIndex, abb.PartyCount));
        await SeededSessions.DisposeAllAsync(boxes);
    }

    [Fact]
    public async Task Empty_multiplications_and_ANDs_take_no_round()
    {
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            long rounds = abb.Trace.Rounds;
            ShareVector z = await abb.MultiplyAsync(abb.Random(0), abb.Random(0));
            BitShareVector w = await abb.AndAsync(abb.RandomBits(0), abb.RandomBits(0));
            return (z.Length, w.BitLength, Rounds: abb.Trace.Rounds - rounds, abb.Audit.Count, abb.Cost.Multiplications, abb.Cost.AndGates);
        });
        Assert.All(results, r => Assert.Equal((0, 0, 0L, 0, 0L, 0L), r));
    }

    [Fact]
    public async Task Null_handles_are_refused_by_name()
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 41);
        SemiHonestBlackBox[] boxes = sessions.Select(s => new SemiHonestBlackBox(s)).ToArray();
        SemiHonestBlackBox abb = boxes[0];
        Assert.Equal("x", (await Assert.ThrowsAsync<ArgumentNullException>(() => abb.MultiplyAsync(null!, abb.Random(1)).AsTask())).ParamName);
        Assert.Equal("y", (await Assert.ThrowsAsync<ArgumentNullException>(() => abb.MultiplyAsync(abb.Random(1), null!).AsTask())).ParamName);
        Assert.Equal("x", (await Assert.ThrowsAsync<ArgumentNullException>(() => abb.OpenBitsToAsync(null!, 1, "t").AsTask())).ParamName);
        Assert.Equal(0, abb.Trace.BytesSent - sessions[0].Trace.Entries.Where(t => t.Round == 0 && t.Direction == TraceDirection.Sent).Sum(t => t.Bytes));
        await SeededSessions.DisposeAllAsync(boxes);
    }

    [Fact]
    public async Task Bits_opened_to_one_party_are_in_every_partys_audit_trail()
    {
        ulong[] secret = [0xDEAD_BEEF_0123_4567UL, 0x1F];
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            BitShareVector s = await abb.InputBitsAsync(0, abb.PartyIndex == 0 ? secret : default, 69);
            long round = abb.Trace.Rounds;
            ulong[]? r = await abb.OpenBitsToAsync(s, 1, "test: bits to party 1");
            return (r, abb.Audit.Entries, round);
        });
        Assert.Null(results[0].r);
        Assert.Null(results[2].r);
        Assert.Equal(new[] { 0xDEAD_BEEF_0123_4567UL, 0x1FUL }, results[1].r);
        Assert.All(results, x =>
        {
            AuditEntry e = Assert.Single(x.Entries);
            Assert.Equal("test: bits to party 1", e.Label);
            Assert.Equal(ShareDomain.Boolean, e.Domain);
            Assert.Equal(69, e.Length);
            Assert.Equal(1, e.Recipient);
            Assert.Equal(x.round + 1, e.Round);
        });
    }

    [Fact]
    public async Task Bits_opened_to_one_party_have_the_tail_past_the_bit_length_cleared()
    {
        // Shares whose padding bits are not zero (a handle built from raw words) must not reveal them.
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            BitShareVector s = abb.FromBitShares(abb.PartyIndex == 2 ? [ulong.MaxValue, ulong.MaxValue] : [0UL, 0UL], 70);
            return (To: await abb.OpenBitsToAsync(s, 2, "test: tail"), All: await abb.OpenBitsAsync(s, "test: tail all"));
        });
        Assert.Equal(new[] { ulong.MaxValue, 0x3FUL }, results[2].To);
        Assert.All(results, r => Assert.Equal(new[] { ulong.MaxValue, 0x3FUL }, r.All));
    }

    [Fact]
    public async Task Arithmetic_openings_record_their_round_and_an_all_party_recipient()
    {
        var results = await Parties.RunInMemoryAsync(async abb =>
        {
            long round = abb.Trace.Rounds;
            uint[] v = await abb.OpenAsync(abb.FromShares(abb.PartyIndex == 0 ? [7u, 8u] : [0u, 0u]), "test: all");
            return (v, abb.Audit.Entries, round);
        });
        Assert.All(results, x =>
        {
            Assert.Equal(new[] { 7u, 8u }, x.v);
            AuditEntry e = Assert.Single(x.Entries);
            Assert.Null(e.Recipient);
            Assert.Equal(ShareDomain.Arithmetic, e.Domain);
            Assert.Equal(2, e.Length);
            Assert.Equal(x.round + 1, e.Round);
        });
    }
}
