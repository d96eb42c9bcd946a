using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Extensibility.Tests;

/// <summary>A black box written outside the library (a decorator that counts operations) runs the comparison
/// toolkit and a whole secure selection.</summary>
public sealed class BlackBoxDecoratorTests
{
    /// <summary>Forwards every member to another black box and counts the interactive calls and their elements.</summary>
    private sealed class CountingBlackBox(IArithmeticBlackBox inner) : IArithmeticBlackBox
    {
        private long _multiplyCalls, _multiplied, _andCalls, _anded, _opens;

        public long MultiplyCalls => Interlocked.Read(ref _multiplyCalls);

        public long Multiplied => Interlocked.Read(ref _multiplied);

        public long AndCalls => Interlocked.Read(ref _andCalls);

        public long Anded => Interlocked.Read(ref _anded);

        public long Opens => Interlocked.Read(ref _opens);

        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public AuditTrail Audit => inner.Audit;

        public TransportTrace Trace => inner.Trace;

        public SessionCost Cost => inner.Cost;

        public ValueTask<ShareVector> InputAsync(int owner, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default) =>
            inner.InputAsync(owner, values, length, cancellationToken);

        public ShareVector Random(int length) => inner.Random(length);

        public ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _multiplyCalls);
            Interlocked.Add(ref _multiplied, x.Length);
            return inner.MultiplyAsync(x, y, cancellationToken);
        }

        public ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opens);
            return inner.OpenAsync(x, label, cancellationToken);
        }

        public ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opens);
            return inner.OpenToAsync(x, recipient, label, cancellationToken);
        }

        public ValueTask<BitShareVector> InputBitsAsync(int owner, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default) =>
            inner.InputBitsAsync(owner, words, bitLength, cancellationToken);

        public BitShareVector RandomBits(int bitLength) => inner.RandomBits(bitLength);

        public ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _andCalls);
            Interlocked.Add(ref _anded, x.BitLength);
            return inner.AndAsync(x, y, cancellationToken);
        }

        public ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opens);
            return inner.OpenBitsAsync(x, label, cancellationToken);
        }

        public ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opens);
            return inner.OpenBitsToAsync(x, recipient, label, cancellationToken);
        }

        // The runner disposes the inner black box.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static (InProcessOptions Options, List<CountingBlackBox> Boxes) Counting()
    {
        var boxes = new List<CountingBlackBox>();
        var options = new InProcessOptions
        {
            BlackBoxDecorator = abb =>
            {
                var c = new CountingBlackBox(abb);
                lock (boxes)
                {
                    boxes.Add(c);
                }

                return c;
            },
        };
        return (options, boxes);
    }

    [Fact]
    public async Task A_counting_decorator_sees_every_gate_of_a_multiplication_and_a_comparison_and_agrees_with_the_engine()
    {
        uint[] x = [1, 10, 100, 1000, uint.MaxValue], y = [2, 10, 50, 4000, 0];
        (InProcessOptions options, List<CountingBlackBox> boxes) = Counting();

        (uint[]? Product, ulong[]? Equal, SessionCost Cost)[] results = await InProcessParties.RunAsync(
            async abb =>
            {
                SessionCost start = abb.Cost;
                ShareVector sx = await abb.InputAsync(0, abb.PartyIndex == 0 ? x : default, x.Length);
                ShareVector sy = await abb.InputAsync(2, abb.PartyIndex == 2 ? y : default, y.Length);
                ShareVector product = await abb.MultiplyAsync(sx, sy);
                BitShareVector equal = await abb.EqualAsync(sx, sy);
                return (await abb.OpenToAsync(product, 1, "test: product"), await abb.OpenBitsToAsync(equal, 1, "test: equality"), abb.Cost - start);
            },
            options).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(x.Zip(y, (a, b) => unchecked(a * b)), results[1].Product!);
        Assert.Equal([0b00010UL], results[1].Equal!);
        Assert.Equal(3, boxes.Count);
        foreach (CountingBlackBox box in boxes)
        {
            Assert.Equal(1, box.MultiplyCalls);
            Assert.True(box.AndCalls >= 2);
            Assert.Equal(2, box.Opens);
        }

        // The decorator's counts agree with the engine's own counters (SessionCost), which are not label matching.
        for (int p = 0; p < 3; p++)
        {
            CountingBlackBox box = boxes.Single(b => b.PartyIndex == p);
            Assert.Equal(box.Multiplied, results[p].Cost.Multiplications);
            Assert.Equal(box.Anded, results[p].Cost.AndGates);
            Assert.True(results[p].Cost.BytesSent > 0);
        }
    }

    [Fact]
    public async Task A_small_secure_selection_runs_through_the_decorator_and_matches_the_reference()
    {
        var feature = new Feature("f", [new FeatureValue("a", 1, 2), new FeatureValue("b", 1, 2)]);
        Candidate[] people = [new("p0", ["a"]), new("p1", ["a"]), new("p2", ["b"]), new("p3", ["b"]), new("p4", ["a"]), new("p5", ["b"])];
        var problem = new SelectionProblem([feature], people, 3);
        byte[] seed = RandomTape.SeedFromString("extensibility");
        (InProcessOptions parties, List<CountingBlackBox> boxes) = Counting();

        SecureSelectionResult secure = await InProcessSecureSelection.SelectAsync(
            problem,
            SecureStrategies.For(new LegacyGreedy()),
            new InProcessSelectionOptions { Seed = seed, Parties = parties, Selection = new SecureSelectionOptions { MaxAttempts = 20 } }).WaitAsync(TimeSpan.FromMinutes(3));

        using var tape = new RandomTape(seed);
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), tape, maxAttempts: 20);
        Assert.Equal(reference.Panel.Order(), secure.Panel!.Order());
        Assert.Equal(3, boxes.Count);
        Assert.All(boxes, b => Assert.True(b.MultiplyCalls + b.AndCalls > 0));
        Assert.True(secure.Cost.Rounds > 0);
        Assert.True(secure.Cost.BytesSent > 0);
        Assert.Equal(boxes.Single(b => b.PartyIndex == 0).Multiplied, secure.Cost.Multiplications);
    }
}
