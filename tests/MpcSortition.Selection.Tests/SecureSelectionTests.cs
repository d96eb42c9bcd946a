using MpcSortition.Protocols;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Selection.Tests;

public sealed class SecureSelectionTests
{
    public static TheoryData<string> Strategies => new(SecureHarness.StrategyNames);

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task ExampleSmall20MatchesTheReferenceStepByStep(string strategy)
    {
        SelectionProblem problem = Instances.ExampleSmall20();
        SecureHarness.Run run = await SecureHarness.SelectAsync(problem, strategy, maxAttempts: 10);
        int compared = SecureHarness.AssertMatchesReference(problem, strategy, run, 10);
        Assert.Null(run.Failure);
        Assert.True(compared >= problem.PanelSize, $"{compared} steps compared");
    }
}
