using System.Buffers.Binary;
using System.Security.Cryptography;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Extensibility.Tests;

/// <summary>A shared tape written outside the library drives the secure selector to the reference's panel.</summary>
public sealed class CustomSharedTapeTests
{
    /// <summary>
    /// Public words from another generator than the library's (SHA-256 of a published beacon value and a counter, as a
    /// deployment might derive them from a public randomness beacon): the plaintext view.
    /// </summary>
    private sealed class BeaconTape(string beacon) : IRandomTape
    {
        private long _counter;

        public ulong NextUInt64()
        {
            byte[] input = [.. System.Text.Encoding.UTF8.GetBytes(beacon), .. BitConverter.GetBytes(_counter++)];
            return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(input));
        }
    }

    /// <summary>The same words as trivially shared bits, for the providers; counts what it hands out.</summary>
    private sealed class BeaconSharedTape(string beacon) : ISharedTape
    {
        private readonly BeaconTape _words = new(beacon);

        public int WordsRead { get; private set; }

        public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            var words = new ulong[count];
            for (int t = 0; t < count; t++)
            {
                words[t] = _words.NextUInt64();
            }

            WordsRead += count;
            return abb.PublicBits(words, 64 * count);
        }
    }

    /// <summary>Hands out one word too few.</summary>
    private sealed class ShortTape : ISharedTape
    {
        public BitShareVector NextWords(IArithmeticBlackBox abb, int count) => abb.PublicBits(new ulong[count - 1], 64 * (count - 1));
    }

    [Fact]
    public async Task A_tape_that_returns_the_wrong_number_of_words_is_refused_before_anything_is_opened()
    {
        SelectionProblem problem = TestProblems.Couples24();
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        (string Message, int Openings)[] runs = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            var options = new SecureSelectionOptions { Tape = new ShortTape() };
            InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(
                async () => await SecureSelector.SelectAsync(abb, pool, new SecureLegacyGreedy(), options));
            return (e.Message, abb.Audit.Entries.Count);
        });

        Assert.All(runs, r => Assert.Contains("320 bits", r.Message, StringComparison.Ordinal));
        Assert.All(runs, r => Assert.Contains("asked for 384 (k = 6 words)", r.Message, StringComparison.Ordinal));
        Assert.All(runs, r => Assert.Equal(0, r.Openings));
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("two-phase")]
    public async Task The_secure_selector_on_a_custom_tape_returns_the_reference_panel_in_pick_order(string name)
    {
        SelectionProblem problem = TestProblems.Couples24();
        const string beacon = "beacon round 2026-11-29";
        ISelectionStrategy reference = name == "legacy" ? new LegacyGreedy() : new TwoPhaseGreedy();
        SelectionResult expected = PanelSelector.Select(problem, reference, new BeaconTape(beacon));

        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        BeaconSharedTape[] tapes = [new(beacon), new(beacon), new(beacon)];
        SecureSelectionResult[] results = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            var options = new SecureSelectionOptions { Tape = tapes[abb.PartyIndex], RevealPickOrder = true };
            return await SecureSelector.SelectAsync(abb, pool, SecureStrategies.For(reference), options);
        });

        Assert.Equal(expected.Attempts, results[0].Attempts);
        Assert.Equal(expected.Panel, results[0].Panel!);
        Assert.Null(results[1].Panel);

        // The selector reads k words per attempt it runs: with the default batches of m (public), every attempt of the
        // batch that found the panel.
        int m = SecureSelector.ResolveParallelAttempts(layout, 0, PanelSelector.DefaultAttempts);
        int run = Math.Min((((expected.Attempts - 1) / m) + 1) * m, PanelSelector.DefaultAttempts);
        Assert.All(tapes, t => Assert.Equal(run * problem.PanelSize, t.WordsRead));
    }
}
