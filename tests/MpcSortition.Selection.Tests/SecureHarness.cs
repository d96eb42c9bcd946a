using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Runs the secure selector at three in-memory parties with jointly random tapes, collects every party's shares of
/// every step through the internal observer, and reconstructs the tape words and the per-step choices.
/// </summary>
internal static class SecureHarness
{
    internal static readonly string[] StrategyNames = ["legacy", "legacy-clamped", "two-phase"];

    internal static ISecureSelectionStrategy CreateSecure(string name, ISecureStepObserver? observer = null) => name switch
    {
        "legacy" => new SecureLegacyGreedy { Observer = observer },
        "legacy-clamped" => new SecureLegacyGreedy(clamped: true) { Observer = observer },
        "two-phase" => new SecureTwoPhaseGreedy { Observer = observer },
        _ => throw new ArgumentException(name),
    };

    /// <summary>Every party's step shares, in call order.</summary>
    internal sealed class Recorder : ISecureStepObserver
    {
        private readonly List<SecureStepShares>[] _steps = [[], [], []];

        public void OnStep(int party, int step, SecureStepShares shares)
        {
            lock (_steps)
            {
                _steps[party].Add(shares);
            }
        }

        internal int Count => _steps[0].Count;

        /// <summary>The reconstructed step i (over all attempts): word, winner value (or −1), phase-1 flag, rank, picked person.</summary>
        internal (ulong Word, int Winner, bool Phase1, int Rank, int Person) Open(int i)
        {
            ulong word = 0;
            uint phase = 0, rank = 0;
            int v = _steps[0][i].Winner.Length, n = _steps[0][i].Pick.Length;
            var winner = new uint[v];
            var pick = new uint[n];
            for (int p = 0; p < 3; p++)
            {
                SecureStepShares s = _steps[p][i];
                word ^= s.Word;
                phase += s.Phase1;
                rank += s.Rank;
                Ring32.Add(winner, s.Winner, winner);
                Ring32.Add(pick, s.Pick, pick);
            }

            return (word, OneIndex(winner), phase == 1, (int)rank, OneIndex(pick));
        }

        /// <summary>The index of the single 1 in a 0/1 vector, −1 when all zero, −2 when not one-hot.</summary>
        private static int OneIndex(uint[] x)
        {
            int at = -1;
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i] == 1 && at == -1)
                {
                    at = i;
                }
                else if (x[i] != 0)
                {
                    return -2;
                }
            }

            return at;
        }
    }

    internal sealed record Run(SecureSelectionResult[] Results, Exception? Failure, Recorder Recorder, AuditEntry[][] Audits, TraceEntry[][] Traces);

    /// <summary>Runs a full secure selection (jointly random tape) at three parties; one attempt after another unless
    /// <paramref name="parallel"/> says otherwise (the step-by-step check below reads the steps attempt by attempt;
    /// SecureParallelAttemptsTests reorders the steps of batched attempts).</summary>
    internal static async Task<Run> SelectAsync(SelectionProblem problem, string strategy, int maxAttempts, bool pickOrder = true, bool composition = false, ISharedTape[]? tapes = null, BlackBoxEngine engine = BlackBoxEngine.Beaver, int parallel = 1)
    {
        var recorder = new Recorder();
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        var audits = new AuditEntry[3][];
        var traces = new TraceEntry[3][];
        try
        {
            SecureSelectionResult[] results = await InProcessParties.RunAsync(async abb =>
            {
                try
                {
                    SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
                    var options = new SecureSelectionOptions
                    {
                        MaxAttempts = maxAttempts,
                        RevealPickOrder = pickOrder,
                        RevealComposition = composition,
                        Tape = tapes?[abb.PartyIndex],
                        ParallelAttempts = parallel,
                    };
                    return await SecureSelector.SelectAsync(abb, pool, CreateSecure(strategy, recorder), options);
                }
                finally
                {
                    audits[abb.PartyIndex] = [.. abb.Audit.Entries];
                    traces[abb.PartyIndex] = [.. abb.Trace.Entries];
                }
            }, new InProcessOptions { Engine = engine });
            return new Run(results, null, recorder, audits, traces);
        }
        catch (SecureSelectionFailedException e)
        {
            return new Run([], e, recorder, audits, traces);
        }
    }

    /// <summary>
    /// The differential check: replays the reconstructed tape words through the reference strategy attempt by attempt,
    /// compares every step (value, rank, person) until the reference stops picking, and the outcome: the secure run
    /// succeeds at the same attempt with the same panel (in pick order), or both fail every attempt.
    /// </summary>
    /// <returns>The number of steps compared.</returns>
    internal static int AssertMatchesReference(SelectionProblem problem, string strategy, Run run, int maxAttempts)
    {
        int compared = 0;
        ISelectionStrategy reference = StrategyTests.Create(strategy);
        int k = problem.PanelSize;
        Assert.Equal(0, run.Recorder.Count % k);
        int attempts = run.Recorder.Count / k;
        Assert.InRange(attempts, 1, maxAttempts);
        for (int a = 0; a < attempts; a++)
        {
            var words = new ulong[k];
            var secure = new (ulong Word, int Winner, bool Phase1, int Rank, int Person)[k];
            for (int t = 0; t < k; t++)
            {
                secure[t] = run.Recorder.Open((a * k) + t);
                words[t] = secure[t].Word;
            }

            SelectionAttempt expected = reference.Attempt(problem, new FixedTape(words));
            for (int t = 0; t < expected.Steps.Count; t++)
            {
                SelectionStep step = expected.Steps[t];
                int value = secure[t].Phase1 ? -1 : secure[t].Winner;
                Assert.True(
                    (step.Value, step.Rank, step.Person) == (value, secure[t].Rank, secure[t].Person),
                    $"{strategy}, attempt {a}, step {t}: reference (value {step.Value}, r {step.Rank}, person {step.Person}), secure (value {value}, r {secure[t].Rank}, person {secure[t].Person})");
                compared++;
            }

            bool last = a == attempts - 1;
            if (!last || run.Failure is not null)
            {
                Assert.False(expected.Succeeded, $"{strategy}: the reference succeeds at attempt {a} but the secure selector went on");
                continue;
            }

            Assert.True(expected.Succeeded, $"{strategy}: the secure selector succeeded at attempt {a} but the reference failed: {expected.FailureReason}");
            SecureSelectionResult result = run.Results[0];
            Assert.Equal(a + 1, result.Attempts);
            Assert.Equal(expected.Panel, result.Panel!);
            Assert.Null(run.Results[1].Panel);
            Assert.Null(run.Results[2].Panel);
        }

        if (run.Failure is not null)
        {
            Assert.Equal(maxAttempts, attempts);
        }

        return compared;
    }
}
