using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Issue 15: the products with the one-hot matrix as inner products. On the replicated engine a step's traffic is
/// O(n + V²) elements, not O(n·V): each extra candidate adds a constant number of bytes per step that does not
/// depend on V (the comparisons and conversions of one value), far below one product over the reduced columns.
/// </summary>
public sealed class SecureScaleTests
{
    /// <summary>Bytes party 0 sends in one attempt (nothing opened) on <paramref name="engine"/>.</summary>
    private static async Task<long> BytesOfOneAttemptAsync(SelectionProblem problem, BlackBoxEngine engine)
    {
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem);
        ShareVector[] shares = SecurePool.Share(problem);
        long[] bytes = await InProcessParties.RunAsync(async abb =>
        {
            SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
            long before = abb.Cost.BytesSent;
            await new SecureLegacyGreedy().AttemptAsync(abb, pool, JointRandomTape.Instance.NextWords(abb, layout.PanelSize));
            return abb.Cost.BytesSent - before;
        }, new InProcessOptions { Engine = engine });
        return bytes[0];
    }

    private static SelectionProblem Doubled(SelectionProblem small) =>
        new(small.Features, small.Candidates.Concat(small.Candidates.Select(c => new Candidate(c.Id + "-copy", c.Values))).ToArray(), small.PanelSize);

    [Fact]
    public async Task OnTheReplicatedEngineAnExtraCandidateCostsAConstantFewBytesPerStepWhateverV()
    {
        SelectionProblem small = Instances.ReadFixture150().ToProblem(22);
        SelectionProblem large = Doubled(small);
        long a = await BytesOfOneAttemptAsync(small, BlackBoxEngine.Replicated);
        long b = await BytesOfOneAttemptAsync(large, BlackBoxEngine.Replicated);
        double perCandidateStep = (double)(b - a) / (small.Candidates.Count * small.PanelSize);

        // One product of a per-person vector with the reduced columns alone would cost 4·R = 64 bytes per candidate on
        // this engine (R = V − F = 16); the whole step with inner products stays below that.
        int reduced = small.ValueCount - small.Features.Count;
        Assert.True(perCandidateStep < 4 * reduced, $"{perCandidateStep:F1} bytes per extra candidate and step");
    }

    [Fact]
    public async Task TheReplicatedEngineSendsAFractionOfWhatTheBeaverEngineSends()
    {
        SelectionProblem problem = Instances.ReadFixture150().ToProblem(22);
        long replicated = await BytesOfOneAttemptAsync(problem, BlackBoxEngine.Replicated);
        long beaver = await BytesOfOneAttemptAsync(problem, BlackBoxEngine.Beaver);
        Assert.True(replicated * 4 < beaver, $"replicated {replicated} B, Beaver {beaver} B");
    }
}
