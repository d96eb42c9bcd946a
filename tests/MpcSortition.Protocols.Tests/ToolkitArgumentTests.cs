using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Every public operation of <see cref="ObliviousToolkit"/> refuses, before any message is sent, a missing black box,
/// a missing handle, a handle that holds another party's shares, and operands of different lengths, naming the
/// parameter that is wrong. The three parties all make the same mistake, so a refusal that came too late (after a
/// message) would show as a hang or a transport error instead of the expected <see cref="ArgumentException"/>.
/// </summary>
public sealed class ToolkitArgumentTests
{
    private static readonly uint[] Two = [1, 2];

    public static TheoryData<string> Operations => new(Calls.Keys);

    /// <summary>Each public call with shared operands: (x, y) pairs, with y ignored when the call has one operand.</summary>
    private static readonly Dictionary<string, Func<IArithmeticBlackBox, ShareVector, ShareVector, ValueTask>> Calls = new()
    {
        ["ToBits"] = async (abb, x, _) => await abb.ToBitsAsync(x),
        ["IsNegative"] = async (abb, x, _) => await abb.IsNegativeAsync(x),
        ["IsZero"] = async (abb, x, _) => await abb.IsZeroAsync(x),
        ["LessThan"] = async (abb, x, y) => await abb.LessThanAsync(x, y),
        ["LessOrEqual"] = async (abb, x, y) => await abb.LessOrEqualAsync(x, y),
        ["GreaterThan"] = async (abb, x, y) => await abb.GreaterThanAsync(x, y),
        ["GreaterOrEqual"] = async (abb, x, y) => await abb.GreaterOrEqualAsync(x, y),
        ["Equal"] = async (abb, x, y) => await abb.EqualAsync(x, y),
        ["LessThanPublic"] = async (abb, x, _) => await abb.LessThanAsync(x, Two),
        ["LessOrEqualPublic"] = async (abb, x, _) => await abb.LessOrEqualAsync(x, Two),
        ["GreaterThanPublic"] = async (abb, x, _) => await abb.GreaterThanAsync(x, Two),
        ["GreaterOrEqualPublic"] = async (abb, x, _) => await abb.GreaterOrEqualAsync(x, Two),
        ["EqualPublic"] = async (abb, x, _) => await abb.EqualAsync(x, Two),
        ["ArgMax"] = async (abb, x, _) => await abb.ArgMaxAsync(x, 2),
        ["ArgMin"] = async (abb, x, _) => await abb.ArgMinAsync(x, 2),
    };

    private static readonly HashSet<string> TwoOperands = ["LessThan", "LessOrEqual", "GreaterThan", "GreaterOrEqual", "Equal"];

    private static string FirstName(string op) => op.StartsWith("Arg", StringComparison.Ordinal) ? "values" : "x";

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_foreign_or_missing_operand_is_refused_naming_it(string op)
    {
        var call = Calls[op];
        string[] seen = await Parties.RunInMemoryAsync(async abb =>
        {
            int me = abb.PartyIndex, other = (me + 1) % abb.PartyCount;
            var mine = new ShareVector(me, Two);
            var foreign = new ShareVector(other, Two);
            var notes = new List<string>();

            ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => call(abb, foreign, mine).AsTask());
            Assert.Equal(FirstName(op), e.ParamName);
            Assert.Contains($"holds party {other}'s shares; this black box is party {me}", e.Message);
            notes.Add(e.ParamName!);

            ArgumentNullException n = await Assert.ThrowsAsync<ArgumentNullException>(() => call(abb, null!, mine).AsTask());
            Assert.Equal(FirstName(op), n.ParamName);
            ArgumentNullException a = await Assert.ThrowsAsync<ArgumentNullException>(() => call(null!, mine, mine).AsTask());
            Assert.Equal("abb", a.ParamName);

            if (TwoOperands.Contains(op))
            {
                ArgumentException ey = await Assert.ThrowsAsync<ArgumentException>(() => call(abb, mine, foreign).AsTask());
                Assert.Equal("y", ey.ParamName);
                Assert.Contains($"holds party {other}'s shares", ey.Message);
                ArgumentNullException ny = await Assert.ThrowsAsync<ArgumentNullException>(() => call(abb, mine, null!).AsTask());
                Assert.Equal("y", ny.ParamName);
                ArgumentException len = await Assert.ThrowsAsync<ArgumentException>(() => call(abb, mine, new ShareVector(me, [1u, 2u, 3u])).AsTask());
                Assert.Equal("y", len.ParamName);
                Assert.Contains("x has 2 values, y has 3", len.Message);
            }

            return string.Join(",", notes);
        });
        Assert.All(seen, s => Assert.Equal(FirstName(op), s));
    }

    [Fact]
    public async Task A_public_operand_of_another_length_is_refused_naming_c()
    {
        await Parties.RunInMemoryAsync(async abb =>
        {
            var x = new ShareVector(abb.PartyIndex, [1u, 2u, 3u]);
            foreach (var call in new Func<ValueTask>[]
            {
                async () => await abb.LessThanAsync(x, Two), async () => await abb.LessOrEqualAsync(x, Two),
                async () => await abb.GreaterThanAsync(x, Two), async () => await abb.GreaterOrEqualAsync(x, Two),
                async () => await abb.EqualAsync(x, Two),
            })
            {
                ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => call().AsTask());
                Assert.Equal("c", e.ParamName);
                Assert.Contains("x has 3 values, c has 2", e.Message);
            }

            return 0;
        });
    }

    [Fact]
    public async Task Bit_operands_and_selections_refuse_foreign_handles_and_bad_widths()
    {
        await Parties.RunInMemoryAsync(async abb =>
        {
            int me = abb.PartyIndex, other = (me + 1) % abb.PartyCount;
            var mine = new ShareVector(me, Two);
            var foreignBits = new BitShareVector(other, 2, [0UL]);
            var myBits = new BitShareVector(me, 2, [0UL]);

            ArgumentException b = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.ToArithmeticAsync(foreignBits));
            Assert.Equal("bits", b.ParamName);
            ArgumentNullException nb = await Assert.ThrowsAsync<ArgumentNullException>(async () => await abb.ToArithmeticAsync(null!));
            Assert.Equal("bits", nb.ParamName);
            ArgumentNullException na = await Assert.ThrowsAsync<ArgumentNullException>(async () => await ((IArithmeticBlackBox)null!).ToArithmeticAsync(myBits));
            Assert.Equal("abb", na.ParamName);
            ArgumentException p = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.FromBitsAsync(foreignBits, 1));
            Assert.Equal("planes", p.ParamName);
            ArgumentException c = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(foreignBits, mine, mine));
            Assert.Equal("condition", c.ParamName);
            ArgumentException s = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(new ShareVector(other, Two), mine, mine));
            Assert.Equal("condition", s.ParamName);
            Assert.Contains($"holds party {other}'s shares", s.Message);
            ArgumentException sc = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(new ShareVector(me, [1u]), mine, mine));
            Assert.Equal("condition", sc.ParamName);
            Assert.Contains("the condition has 1 values, the operands 2", sc.Message);
            ArgumentException sx = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(mine, new ShareVector(other, Two), mine));
            Assert.Equal("x", sx.ParamName);
            ArgumentException sy = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(mine, mine, new ShareVector(me, [1u])));
            Assert.Equal("y", sy.ParamName);
            long sent = abb.Trace.BytesSent;
            ArgumentException sl = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(myBits, mine, new ShareVector(me, [1u])));
            Assert.Equal("y", sl.ParamName);
            ArgumentException sf = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(myBits, new ShareVector(other, Two), mine));
            Assert.Equal("x", sf.ParamName);
            Assert.Equal(sent, abb.Trace.BytesSent); // refused before the condition's B2A round, not by the arithmetic select after it

            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await abb.ToBitsAsync(mine, 0));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await abb.ToBitsAsync(mine, 33));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await abb.FromBitsAsync(myBits, 0));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await abb.ArgMaxAsync(mine, 2, (ComparisonMode)99));
            return 0;
        });
    }

    [Fact]
    public async Task An_unknown_comparison_mode_is_refused_naming_mode()
    {
        await Parties.RunInMemoryAsync(async abb =>
        {
            var x = new ShareVector(abb.PartyIndex, Two);
            var bad = (ComparisonMode)99;
            foreach (var call in new Func<ValueTask>[]
            {
                async () => await abb.LessThanAsync(x, x, bad), async () => await abb.GreaterOrEqualAsync(x, Two, bad),
                async () => await abb.ArgMinAsync(x, 2, bad),
            })
            {
                ArgumentOutOfRangeException e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => call().AsTask());
                Assert.Equal("mode", e.ParamName);
            }

            return 0;
        });
    }

    [Fact]
    public async Task Equality_tests_need_three_parties_and_say_so()
    {
        string[] messages = await ComparisonHarness.RunAsync(
            async abb =>
            {
                ShareVector a = abb.Public([5, 6]);
                var zero = await Assert.ThrowsAsync<NotSupportedException>(async () => await abb.IsZeroAsync(a));
                var equal = await Assert.ThrowsAsync<NotSupportedException>(async () => await abb.EqualAsync(a, [5u, 7u]));
                Assert.Equal(zero.Message, equal.Message);
                return zero.Message;
            },
            parties: 2);
        Assert.All(messages, m => Assert.Contains("exactly 3 parties", m));
    }
}
