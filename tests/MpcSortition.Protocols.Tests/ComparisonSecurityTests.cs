using MpcSortition.Core;
using static MpcSortition.Protocols.Tests.ComparisonHarness;

namespace MpcSortition.Protocols.Tests;

public class ComparisonSecurityTests
{
    private delegate ValueTask<object> Operation(IArithmeticBlackBox abb, ShareVector x, ShareVector y);

    private static readonly (string Name, int Rounds, Operation Run)[] Operations =
    [
        ("lt", 8, async (abb, x, y) => await abb.LessThanAsync(x, y)),
        ("lt signed", 8, async (abb, x, y) => await abb.LessThanAsync(x, y, ComparisonMode.Signed)),
        ("lt sign of difference", 7, async (abb, x, y) => await abb.LessThanAsync(x, y, ComparisonMode.SignOfDifference)),
        ("ge public", 8, async (abb, x, _) => await abb.GreaterOrEqualAsync(x, Enumerable.Range(0, x.Length).Select(i => (uint)i * 0x9E37_79B9u).ToArray())),
        ("is negative", 7, async (abb, x, _) => await abb.IsNegativeAsync(x)),
        ("eq", 6, async (abb, x, y) => await abb.EqualAsync(x, y)),
        ("to bits", 7, async (abb, x, _) => await abb.ToBitsAsync(x)),
        ("to arithmetic", 2, async (abb, x, _) => await abb.ToArithmeticAsync(abb.FromBitShares(BitSlicing.ToPlanes(x.Values, 1), x.Length))),
        ("select", 1, async (abb, x, y) => await abb.SelectAsync(x, y, x)),
        ("select bits", 3, async (abb, x, y) => await abb.SelectAsync(abb.FromBitShares(BitSlicing.ToPlanes(x.Values, 1), x.Length), x, y)),
        ("argmax 30", 8 + 5 + 2, async (abb, x, _) => await abb.ArgMaxAsync(abb.Slice(x, 0, 30 * (x.Length / 30)), 30)),
        ("argmin 30 sign", 7 + 5 + 2, async (abb, x, _) => await abb.ArgMinAsync(abb.Slice(x, 0, 30 * (x.Length / 30)), 30, ComparisonMode.SignOfDifference)),
    ];

    public static TheoryData<string> OperationNames() => new(Operations.Select(o => o.Name));

    private static async Task<(AuditEntry[] Audit, TraceEntry[] Trace, long Rounds)[]> RunAsync(string name, uint[] x, uint[] y, int seed)
    {
        Operation op = Operations.Single(o => o.Name == name).Run;
        uint[][] xs, ys;
        using (var prg = Prg(seed))
        {
            xs = Deal(x, prg);
            ys = Deal(y, prg);
        }

        return await ComparisonHarness.RunAsync(async abb =>
        {
            abb.Trace.Reset();
            abb.Audit.Clear();
            await op(abb, abb.FromShares(xs[abb.PartyIndex]), abb.FromShares(ys[abb.PartyIndex]));
            return (abb.Audit.Entries.ToArray(), abb.Trace.Entries.ToArray(), abb.Trace.Rounds);
        });
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public async Task OnlyBeaverMaskedValuesAreOpened(string name)
    {
        using var prg = Prg(1);
        uint[] x = Values(prg, 120), y = Values(prg, 120);
        var runs = await RunAsync(name, x, y, seed: 2);
        foreach (var (audit, _, rounds) in runs)
        {
            Assert.NotEmpty(audit);
            Assert.All(audit, e =>
            {
                Assert.Contains(e.Label, MaskedLabels);
                Assert.Null(e.Recipient);
            });

            // Every round is one masked opening: nothing else goes over the wire.
            Assert.Equal(rounds, audit.Length);
        }
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public async Task RoundsAreConstantAndTracesDoNotDependOnTheSecrets(string name)
    {
        int expectedRounds = Operations.Single(o => o.Name == name).Rounds;
        using var prg = Prg(3);
        uint[] x1 = Values(prg, 90), y1 = Values(prg, 90);
        uint[] x2 = new uint[90], y2 = (uint[])x2.Clone(); // all zero and all equal: the most different secret
        var first = await RunAsync(name, x1, y1, seed: 4);
        var second = await RunAsync(name, x2, y2, seed: 5);
        for (int p = 0; p < PartyCount; p++)
        {
            Assert.Equal(expectedRounds, first[p].Rounds);
            Assert.Equal(first[p].Trace, second[p].Trace);
            Assert.Equal(first[p].Audit, second[p].Audit);
        }

        // The same number of rounds for a much larger batch.
        uint[] big = Values(prg, 3000);
        var large = await RunAsync(name, big, big, seed: 6);
        Assert.All(large, r => Assert.Equal(expectedRounds, r.Rounds));
    }

    [Theory]
    [InlineData("lt", 343)]
    [InlineData("lt sign of difference", 114)]
    [InlineData("is negative", 114)]
    [InlineData("eq", 62)]
    [InlineData("to bits", 174)]
    public async Task AndGatesPerElementAreAsDocumented(string name, int ands)
    {
        // Each AND gate costs 4 bits per party (its masked d and e to each of the two peers); m is a multiple of 64.
        const int m = 6400;
        var runs = await RunAsync(name, new uint[m], new uint[m], seed: 7);
        Assert.All(runs, r => Assert.Equal(ands * 4L * m / 8, r.Trace.Where(e => e.Direction == TraceDirection.Sent).Sum(e => (long)e.Bytes)));
    }

    [Fact]
    public async Task MismatchedOperandsAreRejectedBeforeAnythingIsSent()
    {
        var errors = await ComparisonHarness.RunAsync(async abb =>
        {
            ShareVector a = abb.Public([1, 2, 3]), b = abb.Public([1, 2]);
            var e1 = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.LessThanAsync(a, b));
            var e2 = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.EqualAsync(a, new uint[] { 1 }));
            var e3 = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.SelectAsync(abb.PublicBits([1UL], 2), a, a));
            var e4 = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.FromBitsAsync(abb.PublicBits([1UL], 33)));
            Assert.Equal(0, abb.Trace.Rounds); // nothing but the set-up exchange (round 0) was sent
            return new[] { e1.Message, e2.Message, e3.Message, e4.Message };
        });
        Assert.Contains("Length mismatch", errors[0][0]);
        Assert.Contains("multiple of 32", errors[0][3]);
    }

    [Fact]
    public async Task ACrashedPeerMakesTheOthersFailPromptlyWithItsName()
    {
        ITransport[] transports = InMemoryNetwork.Create(PartyCount, TimeSpan.FromSeconds(30));
        Task<PeerException?>[] tasks = transports.Select(async (t, p) =>
        {
            PartySession session = await PartySession.EstablishAsync(t);
            await using var abb = new SemiHonestBlackBox(session);
            if (p == 2)
            {
                ((InMemoryTransport)t).Crash();
                return null;
            }

            ShareVector x = abb.Public(new uint[1000]);
            return await Assert.ThrowsAsync<PeerException>(async () => await abb.LessThanAsync(x, x));
        }).ToArray();

        // Far below the 30 s transport timeout: the closed link is detected, not waited out. Which link a survivor
        // reports first (the crashed party's, or the other survivor's after it gave up) depends on timing.
        PeerException?[] errors = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(p, errors[p]!.Party);
            Assert.NotEqual(p, errors[p]!.Peer);
            Assert.Contains(errors[p]!.Failure, new[] { PeerFailure.Disconnected, PeerFailure.ClosedByPeer });
        }
    }

    [Fact]
    public async Task BooleanConversionsNeedThreeParties()
    {
        var errors = await ComparisonHarness.RunAsync(
            async abb =>
            {
                ShareVector a = abb.Public([5, 6]);
                var e = await Assert.ThrowsAsync<NotSupportedException>(async () => await abb.LessThanAsync(a, a));

                // B2A works for any party count (one round per extra party).
                ShareVector bits = await abb.ToArithmeticAsync(abb.PublicBits([0b10UL], 2));
                return (e.Message, bits.Values.ToArray());
            },
            parties: 2);
        Assert.Contains("exactly 3 parties", errors[0].Message);
        Assert.Equal(new uint[] { 0, 1 }, OpenValues(errors.Select(e => e.Item2).ToArray()));
    }
}
