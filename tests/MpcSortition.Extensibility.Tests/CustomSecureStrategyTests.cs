using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Extensibility.Tests;

/// <summary>Secure strategies written outside the library, run by the three in-process providers.</summary>
public sealed class CustomSecureStrategyTests
{
    /// <summary>Composes a built-in strategy: counts the attempts of each party and rebuilds each outcome with the public
    /// constructor of <see cref="SecureAttempt"/>.</summary>
    private sealed class RecordingStrategy(ISecureSelectionStrategy inner) : ISecureSelectionStrategy
    {
        private readonly int[] _attempts = new int[3];

        public string Name => inner.Name;

        public IReadOnlyList<int> AttemptsPerParty => _attempts;

        public async ValueTask<SecureAttempt> AttemptAsync(IArithmeticBlackBox abb, SecurePool pool, BitShareVector tape, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _attempts[abb.PartyIndex]);
            SecureAttempt a = await inner.AttemptAsync(abb, pool, tape, cancellationToken);
            return new SecureAttempt(a.Success, a.Panel, a.PickOrder, a.Composition);
        }
    }

    /// <summary>Returns an outcome one candidate short: the selector must refuse it before opening anything.</summary>
    private sealed class ShortPanelStrategy : ISecureSelectionStrategy
    {
        public string Name => "short";

        public ValueTask<SecureAttempt> AttemptAsync(IArithmeticBlackBox abb, SecurePool pool, BitShareVector tape, CancellationToken cancellationToken = default)
        {
            int n = pool.Layout.CandidateCount;
            ShareVector panel = abb.Public(new uint[n - 1]);
            return ValueTask.FromResult(new SecureAttempt(abb.PublicBits([1UL], 1), panel, panel, abb.Public(new uint[pool.Layout.ValueCount])));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrapper_around_a_built_in_strategy_returns_the_reference_panel(bool clamped)
    {
        SelectionProblem problem = TestProblems.Couples24();
        byte[] seed = TestProblems.Seed(7);
        SelectionResult expected = PanelSelector.Select(problem, new LegacyGreedy(clamped), seed);
        var recording = new RecordingStrategy(new SecureLegacyGreedy(clamped));

        SecureSelectionResult secure = await InProcessSecureSelection.SelectAsync(problem, recording, new InProcessSelectionOptions { Selection = new SecureSelectionOptions { MaxAttempts = 100, RevealComposition = true }, Seed = seed });

        Assert.Equal(expected.Attempts, secure.Attempts);
        Assert.Equal(expected.Panel.Order(), secure.Panel!);
        Assert.Equal(expected.Composition, secure.Composition!);

        // Every attempt the selector runs goes through the wrapper: with the default batches of m, every attempt of the
        // batch that found the panel (the outcomes after the first success are never opened).
        int m = SecureSelector.ResolveParallelAttempts(SecureSelectionLayout.FromProblem(problem), 0, 100);
        int run = Math.Min((((expected.Attempts - 1) / m) + 1) * m, 100);
        Assert.Equal([run, run, run], recording.AttemptsPerParty);
    }

    [Fact]
    public async Task An_outcome_that_does_not_fit_the_pool_is_refused_before_anything_is_opened()
    {
        SelectionProblem problem = TestProblems.Couples24();
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        (string Message, int Openings)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(
                async () => await SecureSelector.SelectAsync(abb, pool, new ShortPanelStrategy()));
            return (e.Message, abb.Audit.Entries.Count);
        });

        Assert.All(runs, r => Assert.Contains("expects n = 24 and V = 5", r.Message, StringComparison.Ordinal));
        Assert.All(runs, r => Assert.Equal(0, r.Openings));
    }

    [Fact]
    public async Task The_public_constructor_checks_its_shares()
    {
        string[] messages = await InProcessParties.RunAsync(abb =>
        {
            ShareVector three = abb.Public([0u, 0u, 0u]);
            Assert.Throws<ArgumentException>(() => new SecureAttempt(abb.PublicBits([1UL], 1), three, abb.Public([0u, 0u]), three));
            Assert.Throws<ArgumentException>(() => new SecureAttempt(abb.PublicBits([1UL], 1), three, three, ShareVector.Public((abb.PartyIndex + 1) % 3, [0u])));
            return Task.FromResult(Assert.Throws<ArgumentException>(() => new SecureAttempt(abb.PublicBits([3UL], 2), three, three, three)).Message);
        });
        Assert.All(messages, m => Assert.Contains("one shared bit, not 2", m, StringComparison.Ordinal));
    }
}
