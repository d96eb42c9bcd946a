using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The secure selection's communication pattern on each engine, chosen explicitly: what every party sends and receives
/// (rounds, peers, sizes) and what it opens inside an attempt depend only on the public sizes, never on the people.
/// </summary>
public sealed class SecureEngineTraceTests
{
    public static TheoryData<BlackBoxEngine, string> Cases => new()
    {
        { BlackBoxEngine.Beaver, "legacy" },
        { BlackBoxEngine.Replicated, "legacy" },
        { BlackBoxEngine.Replicated, "two-phase" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Traces_and_audits_are_identical_for_two_pools_with_the_same_public_sizes(BlackBoxEngine engine, string strategy)
    {
        SelectionProblem first = Instances.ReadFixture150().ToProblem(22);

        // Same ids, features, quotas and k; the people's values rotated: another secret pool of the same public sizes.
        var rotated = first.Candidates.Select((c, i) => new Candidate(c.Id, first.Candidates[(i + 53) % first.Candidates.Count].Values, c.Address)).ToArray();
        SelectionProblem second = new(first.Features, rotated, first.PanelSize);
        Assert.NotEqual(SecurePool.OneHotRows(first), SecurePool.OneHotRows(second));

        (TraceEntry[][] traceA, AuditEntry[][] auditA) = await OneAttemptAsync(first, strategy, engine);
        (TraceEntry[][] traceB, AuditEntry[][] auditB) = await OneAttemptAsync(second, strategy, engine);
        for (int p = 0; p < 3; p++)
        {
            Assert.NotEmpty(traceA[p]);
            Assert.Equal(traceA[p], traceB[p]);
            Assert.Equal(auditA[p], auditB[p]);
        }

        if (engine == BlackBoxEngine.Replicated)
        {
            // On the replicated engine the only openings inside an attempt are the selection's declared re-sharings of
            // the pool and the rank (a uniform mask subtracted, docs/security.md §7); every other message is a
            // re-randomised component.
            Assert.All(auditA, a => Assert.All(a, e => Assert.Contains(e.Label, SecureSelector.MaskedLabels)));
            Assert.All(auditA, a => Assert.Contains(a, e => e.Label == SecureSelector.MaskedPoolLabel));
        }
        else
        {
            Assert.All(auditA, a => Assert.All(a, e => Assert.Contains(e.Label, new[] { SemiHonestBlackBox.BeaverOpenLabel, SemiHonestBlackBox.AndOpenLabel })));
        }
    }

    [Fact]
    public async Task The_replicated_engine_needs_at_most_one_more_round_and_half_the_bytes_of_Beaver_for_an_attempt()
    {
        SelectionProblem problem = Instances.ReadFixture150().ToProblem(22);
        (TraceEntry[][] beaver, _) = await OneAttemptAsync(problem, "legacy", BlackBoxEngine.Beaver);
        (TraceEntry[][] replicated, _) = await OneAttemptAsync(problem, "legacy", BlackBoxEngine.Replicated);
        static long Rounds(TraceEntry[] t) => t.Select(e => e.Round).Distinct().LongCount();
        static long Sent(TraceEntry[] t) => t.Where(e => e.Direction == TraceDirection.Sent).Sum(e => (long)e.Bytes);
        for (int p = 0; p < 3; p++)
        {
            // One extra round at most: the pool's masked re-sharing, which Beaver does not need (its rank re-sharing per
            // step is paid back by the one-round B2A of replicated bits).
            Assert.True(Rounds(replicated[p]) <= Rounds(beaver[p]) + 1, $"party {p}: {Rounds(replicated[p])} rounds against {Rounds(beaver[p])}");
            Assert.True(2 * Sent(replicated[p]) <= Sent(beaver[p]), $"party {p}: {Sent(replicated[p])} bytes against {Sent(beaver[p])}");
        }
    }

    /// <summary>One attempt on a jointly random tape, nothing opened; each party's trace and audit.</summary>
    private static async Task<(TraceEntry[][] Traces, AuditEntry[][] Audits)> OneAttemptAsync(SelectionProblem problem, string strategy, BlackBoxEngine engine)
    {
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        (TraceEntry[] Trace, AuditEntry[] Audit)[] runs = await InProcessParties.RunAsync(
            async abb =>
            {
                SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
                abb.Trace.Reset();
                abb.Audit.Clear();
                await SecureHarness.CreateSecure(strategy).AttemptAsync(abb, pool, JointRandomTape.Instance.NextWords(abb, layout.PanelSize));
                return (abb.Trace.Entries.ToArray(), abb.Audit.Entries.ToArray());
            },
            new InProcessOptions { Engine = engine });
        return (runs.Select(r => r.Trace).ToArray(), runs.Select(r => r.Audit).ToArray());
    }
}
