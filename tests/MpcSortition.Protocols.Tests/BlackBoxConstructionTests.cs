using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// Creating the Beaver black box (<see cref="SemiHonestBlackBox"/>): what it refuses, who owns the triple source, and
/// the input masks' streams. Parties running two builds of the library must derive the same input masks from the same
/// pairwise seeds, or every input is silently wrong; the known answers pin the streams' labels.
/// </summary>
public sealed class BlackBoxConstructionTests
{
    [Fact]
    public void A_missing_session_is_refused_by_name()
    {
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => new SemiHonestBlackBox(null!)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => new ReplicatedBlackBox(null!)).ParamName);
    }

    [Fact]
    public async Task A_triple_source_passed_in_stays_usable_after_the_black_box_is_disposed()
    {
        DealerTripleSource[] dealer = DealerTripleSource.CreateForSimulation(3);
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 31);
        var boxes = sessions.Select((s, p) => new SemiHonestBlackBox(s, dealer[p])).ToArray();
        await SeededSessions.DisposeAllAsync(boxes);

        // The caller still owns the sources: they draw triples (a disposed one throws ObjectDisposedException).
        var a = new uint[3];
        var b = new uint[3];
        var c = new uint[3];
        dealer[1].FillBeaverTriples(a, b, c);
        dealer[2].FillAndTriples(new ulong[1], new ulong[1], new ulong[1]);
        foreach (DealerTripleSource d in dealer)
        {
            d.Dispose();
        }
    }

    [Fact]
    public async Task A_non_owners_input_shares_are_the_known_answers_of_its_pair_streams()
    {
        // Party 1's shares of party 0's inputs are the first words of the streams it shares with party 0, labelled
        // "input" and "input bits". Computed outside .NET with the Python model in docs/testing.md (seed 23):
        //   stream(0, 1, "input")      -> words 0x5ce0a2f2 0x47c671e1 0xfc1fb435 0x79c6c411
        //   stream(0, 1, "input bits") -> words 0xfffcd958b635ae51 0x13f07b347169b4d4
        (PartySession[] sessions, _) = await SeededSessions.EstablishAsync(seed: 23);
        await using var party1 = new SemiHonestBlackBox(sessions[1]);
        ShareVector x = await party1.InputAsync(0, default, 4);
        BitShareVector bits = await party1.InputBitsAsync(0, default, 128);
        Assert.Equal(new[] { 0x5ce0a2f2u, 0x47c671e1u, 0xfc1fb435u, 0x79c6c411u }, x.Values.ToArray());
        Assert.Equal(new[] { 0xfffcd958b635ae51UL, 0x13f07b347169b4d4UL }, bits.Words.ToArray());
        await SeededSessions.DisposeAllAsync(sessions.Where((_, p) => p != 1));
    }

    [Fact]
    public async Task Creating_a_black_box_for_two_parties_is_refused_and_closes_the_transport()
    {
        // The dealer-free triples need three parties; CreateAsync must not leave the session (and its links) open.
        ITransport[] transports = InMemoryNetwork.Create(2, Parties.TestTimeout);
        Task<SemiHonestBlackBox>[] creating = transports.Select(t => SemiHonestBlackBox.CreateAsync(t)).ToArray();
        foreach (Task<SemiHonestBlackBox> c in creating)
        {
            ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => c);
            Assert.Equal("session", e.ParamName);
            Assert.Contains("exactly 3 parties", e.Message, StringComparison.Ordinal);
        }

        foreach (ITransport t in transports)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => t.SendAsync(1 - t.PartyIndex, new byte[1]).AsTask());
        }
    }

    [Fact]
    public void A_batch_over_the_documented_maximum_is_refused_with_the_way_out()
    {
        // 2^27 + 1 values would need 512 MiB per handle, too much for a unit test; the bound every engine applies.
        OperationGate.CheckBatch(SemiHonestBlackBox.MaxBatch, SemiHonestBlackBox.MaxBatch);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OperationGate.CheckBatch(SemiHonestBlackBox.MaxBatch + 1, SemiHonestBlackBox.MaxBatch));
        Assert.Equal("length", e.ParamName);
        Assert.Contains("split the batch", e.Message, StringComparison.Ordinal);
        Assert.Equal(ReplicatedBlackBox.MaxBatch, SemiHonestBlackBox.MaxBatch);
    }
}
