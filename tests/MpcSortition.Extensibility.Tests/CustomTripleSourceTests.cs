using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Extensibility.Tests;

/// <summary>A triple source written outside the library (a decorator that counts triples) drives the black box.</summary>
public sealed class CustomTripleSourceTests
{
    private sealed class CountingTriples(ICorrelatedRandomness inner) : ICorrelatedRandomness
    {
        public long Beaver { get; private set; }

        public long And { get; private set; }

        public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c)
        {
            Beaver += a.Length;
            inner.FillBeaverTriples(a, b, c);
        }

        public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c)
        {
            And += a.Length;
            inner.FillAndTriples(a, b, c);
        }
    }

    [Fact]
    public async Task The_black_box_takes_its_triples_from_a_source_written_elsewhere()
    {
        uint[] x = [3, 5, 7, 0xFFFF_FFFF], y = [2, 4, 6, 2];
        ITransport[] transports = InMemoryNetwork.Create(3);
        var counters = new CountingTriples[3];
        (uint[]? Product, ulong[]? Less)[] results = await Task.WhenAll(transports.Select(async (t, p) =>
        {
            PartySession session = await PartySession.EstablishAsync(t);
            using var replicated = new ReplicatedTripleSource(session);
            counters[p] = new CountingTriples(replicated);
            await using var abb = new SemiHonestBlackBox(session, counters[p]);
            ShareVector sx = await abb.InputAsync(0, p == 0 ? x : default, x.Length);
            ShareVector sy = await abb.InputAsync(1, p == 1 ? y : default, y.Length);
            ShareVector product = await abb.MultiplyAsync(sx, sy);
            BitShareVector less = await abb.LessThanAsync(sy, sx);
            return (await abb.OpenToAsync(product, 2, "test: product"), await abb.OpenBitsToAsync(less, 2, "test: y < x"));
        })).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(x.Zip(y, (a, b) => unchecked(a * b)), results[2].Product!);
        Assert.Equal([0b1111UL], results[2].Less!);
        Assert.All(counters, c => Assert.True(c.Beaver >= x.Length));
        Assert.All(counters, c => Assert.True(c.And > 0));
        Assert.Equal(counters[0].Beaver, counters[1].Beaver); // SPMD: every party draws the same number of triples
    }
}
