using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The replicated engine refuses another party's handle, handles of different lengths, a party that does not exist, a
/// negative length and a blank label — naming the parameter, before anything is sent and without an audit record —
/// as <see cref="HandleAndAuditTests"/> checks for the Beaver engine. Found by the round-5 Stryker run of
/// <c>ReplicatedBlackBox*.cs</c>: with any of these checks removed no test failed.
/// </summary>
public sealed class ReplicatedArgumentTests
{
    public static TheoryData<string> Cases => new(
        "Multiply x", "Multiply y", "Multiply length", "InnerProduct x", "InnerProduct y", "And x", "And y", "And length",
        "Open", "Open label", "OpenTo", "OpenTo recipient", "OpenTo label", "OpenBits", "OpenBits label",
        "OpenBitsTo", "OpenBitsTo recipient", "OpenBitsTo label", "Input owner", "Input length", "InputBits owner", "Random length");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_argument_is_refused_by_name_and_nothing_is_sent(string operation)
    {
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 44);
        ReplicatedBlackBox[] boxes = sessions.Select(s => new ReplicatedBlackBox(s)).ToArray();
        ReplicatedBlackBox abb = boxes[1];
        ShareVector mine = abb.Random(6), mineShort = abb.Random(5), foreign = new(2, new uint[6]);
        BitShareVector bits = abb.RandomBits(70), bitsShort = abb.RandomBits(69), foreignBits = new(0, 70, new ulong[2]);
        long sentBefore = abb.Trace.BytesSent;
        IReadOnlyList<TraceEntry> traceBefore = abb.Trace.Entries;

        (Func<Task> call, string param) = operation switch
        {
            "Multiply x" => ((Func<Task>)(() => abb.MultiplyAsync(foreign, mine).AsTask()), "x"),
            "Multiply y" => (() => abb.MultiplyAsync(mine, foreign).AsTask(), "y"),
            "Multiply length" => (() => abb.MultiplyAsync(mine, mineShort).AsTask(), "y"),
            "InnerProduct x" => (() => abb.InnerProductAsync(foreign, mine, 3).AsTask(), "x"),
            "InnerProduct y" => (() => abb.InnerProductAsync(mine, foreign, 3).AsTask(), "y"),
            "And x" => (() => abb.AndAsync(foreignBits, bits).AsTask(), "x"),
            "And y" => (() => abb.AndAsync(bits, foreignBits).AsTask(), "y"),
            "And length" => (() => abb.AndAsync(bits, bitsShort).AsTask(), "y"),
            "Open" => (() => abb.OpenAsync(foreign, "test").AsTask(), "x"),
            "Open label" => (() => abb.OpenAsync(mine, " ").AsTask(), "label"),
            "OpenTo" => (() => abb.OpenToAsync(foreign, 0, "test").AsTask(), "x"),
            "OpenTo recipient" => (() => abb.OpenToAsync(mine, 3, "test").AsTask(), "recipient"),
            "OpenTo label" => (() => abb.OpenToAsync(mine, 0, " ").AsTask(), "label"),
            "OpenBits" => (() => abb.OpenBitsAsync(foreignBits, "test").AsTask(), "x"),
            "OpenBits label" => (() => abb.OpenBitsAsync(bits, " ").AsTask(), "label"),
            "OpenBitsTo" => (() => abb.OpenBitsToAsync(foreignBits, 0, "test").AsTask(), "x"),
            "OpenBitsTo recipient" => (() => abb.OpenBitsToAsync(bits, -1, "test").AsTask(), "recipient"),
            "OpenBitsTo label" => (() => abb.OpenBitsToAsync(bits, 0, " ").AsTask(), "label"),
            "Input owner" => (() => abb.InputAsync(3, default, 4).AsTask(), "owner"),
            "Input length" => (() => abb.InputAsync(0, default, -1).AsTask(), "length"),
            "InputBits owner" => (() => abb.InputBitsAsync(-1, default, 64).AsTask(), "owner"),
            "Random length" => (() => Task.FromResult(abb.Random(-1)), "length"),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(call);
        Assert.Equal(param, e.ParamName);
        Assert.Equal(sentBefore, abb.Trace.BytesSent);
        Assert.Equal(traceBefore, abb.Trace.Entries);
        Assert.Empty(abb.Audit.Entries);
        await SeededSessions.DisposeAllAsync(boxes);
    }
}

/// <summary>Equality of replicated operands on the replicated engine runs the zero test in replicated mode, where
/// party 1 negates its companion (component 2); found untested by the round-5 Stryker run (BitCircuit.cs, the
/// companion's negation removed: no test failed).</summary>
public sealed class ReplicatedEqualityTests
{
    [Fact]
    public async Task Equality_of_replicated_inputs_matches_the_plaintext()
    {
        uint[] x = [0, 5, 7, uint.MaxValue, 0x8000_0000, 12345, 1, 2];
        uint[] c = [0, 5, 8, uint.MaxValue, 0x8000_0001, 12345, 0, 2];
        uint[][] results = await EngineTests.RunAsync(BlackBoxEngine.Replicated, async abb =>
        {
            ShareVector sx = await abb.InputAsync(1, abb.PartyIndex == 1 ? x : default, x.Length);
            Assert.NotNull(ReplicatedBlackBox.CompanionOf(sx)); // a replicated handle, so the circuit runs in replicated mode
            BitShareVector eq = await abb.EqualAsync(sx, c);
            ulong[] opened = await abb.OpenBitsAsync(eq, "test: equal");
            return Enumerable.Range(0, x.Length).Select(i => (uint)(opened[0] >> i) & 1u).ToArray();
        });
        uint[] expected = x.Zip(c, (a, b) => a == b ? 1u : 0u).ToArray();
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
