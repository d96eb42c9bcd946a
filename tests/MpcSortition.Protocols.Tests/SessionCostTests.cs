using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>The session counts traffic for any transport, and the engine counts its gates; the in-process runner.</summary>
public sealed class SessionCostTests
{
    [Fact]
    public async Task The_session_records_the_set_up_exchange_in_round_0_and_each_multiplication_in_one_round()
    {
        (SessionCost SetUp, TraceEntry[] Entries, SessionCost Mul, SessionCost And)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            SessionCost setUp = abb.Cost;
            TraceEntry[] entries = [.. abb.Trace.Entries];
            ShareVector x = abb.Random(1000);
            ShareVector z = await abb.MultiplyAsync(x, x);
            SessionCost mul = abb.Cost - setUp;
            BitShareVector b = abb.RandomBits(130);
            _ = await abb.AndAsync(b, b);
            SessionCost and = abb.Cost - setUp - mul;
            return (setUp, entries, mul, and);
        }, new InProcessOptions { Engine = BlackBoxEngine.Beaver }); // the Beaver engine's costs (the replicated engine's: EngineTests)

        foreach (var r in runs)
        {
            // Set-up: 48 bytes (16-byte header, 32-byte contribution) to and from each of two peers, in round 0.
            Assert.Equal(new SessionCost(0, 96, 96, 0, 0), r.SetUp);
            Assert.Equal(4, r.Entries.Length);
            Assert.All(r.Entries, e => Assert.Equal((0L, 48), (e.Round, e.Bytes)));

            // Multiplication of 1000: one round, 8 bytes per element to each of two peers, 1000 multiplications.
            Assert.Equal(new SessionCost(1, 16_000, 16_000, 1000, 0), r.Mul);

            // AND of 130 bits: 3 words of d and 3 of e (48 bytes) to each of two peers.
            Assert.Equal(new SessionCost(1, 96, 96, 0, 130), r.And);
        }
    }

    [Fact]
    public void Cost_arithmetic_is_figure_by_figure()
    {
        var a = new SessionCost(10, 200, 300, 40, 50);
        var b = new SessionCost(1, 2, 3, 4, 5);
        Assert.Equal(new SessionCost(9, 198, 297, 36, 45), a - b);
        Assert.Equal(new SessionCost(11, 202, 303, 44, 55), a + b);
        Assert.Equal(a - b, SessionCost.Subtract(a, b));
        Assert.Equal(a + b, SessionCost.Add(a, b));
        Assert.Equal(new SessionCost(3, 66, 100, 13, 16), a.Per(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Per(0));
    }

    [Fact]
    public async Task The_runner_rethrows_a_programs_own_failure_rather_than_the_peers_broken_links()
    {
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessParties.RunAsync<int>(async abb =>
        {
            if (abb.PartyIndex == 1)
            {
                throw new InvalidOperationException("party 1 gives up");
            }

            _ = await abb.OpenAsync(abb.Random(4), "test: never completes");
            return 0;
        }, new InProcessOptions { OperationTimeout = TimeSpan.FromSeconds(20) }).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("party 1 gives up", e.Message);
    }

    [Fact]
    public async Task The_runner_hands_the_decorated_black_box_to_the_program_and_each_party_a_wrapped_transport()
    {
        int transports = 0;
        var options = new InProcessOptions
        {
            TransportDecorator = t =>
            {
                Interlocked.Increment(ref transports);
                return t;
            },
            BlackBoxDecorator = abb => new NamedBox(abb),
        };

        string[] names = await InProcessParties.RunAsync(abb => Task.FromResult(abb.GetType().Name), options);
        Assert.Equal(["NamedBox", "NamedBox", "NamedBox"], names);
        Assert.Equal(3, transports);
        await Assert.ThrowsAsync<ArgumentNullException>(() => InProcessParties.RunAsync<int>(null!));
    }

    private sealed class NamedBox(IArithmeticBlackBox inner) : IArithmeticBlackBox
    {
        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public AuditTrail Audit => inner.Audit;

        public TransportTrace Trace => inner.Trace;

        public SessionCost Cost => inner.Cost;

        public ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default) => inner.InputAsync(owner, values, length, cancellationToken);

        public ShareVector Random(int length) => inner.Random(length);

        public ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default) => inner.MultiplyAsync(x, y, cancellationToken);

        public ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default) => inner.OpenAsync(x, label, cancellationToken);

        public ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default) => inner.OpenToAsync(x, recipient, label, cancellationToken);

        public ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default) => inner.InputBitsAsync(owner, words, bitLength, cancellationToken);

        public BitShareVector RandomBits(int bitLength) => inner.RandomBits(bitLength);

        public ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default) => inner.AndAsync(x, y, cancellationToken);

        public ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default) => inner.OpenBitsAsync(x, label, cancellationToken);

        public ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default) => inner.OpenBitsToAsync(x, recipient, label, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
