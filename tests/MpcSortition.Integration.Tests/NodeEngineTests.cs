using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary><c>node --engine</c>: the engine reaches the agreed session settings, and a wrong name is a clear error.</summary>
public sealed class NodeEngineTests
{
    [Fact]
    public async Task Nodes_with_different_engines_refuse_to_run_together()
    {
        using Scenario scenario = Scenario.Create();
        await scenario.PrepareAsync(testSeed: null);
        string endpoints = Scenario.FreeEndpoints();
        var nodes = new List<CliProcess>();
        try
        {
            for (int p = 0; p < 3; p++)
            {
                List<string> args = scenario.NodeArguments(p, endpoints, null, 30);
                if (p == 2)
                {
                    args.AddRange(["--engine", "beaver"]); // the others run the default, replicated
                }

                nodes.Add(CliProcess.Start(args));
            }

            for (int p = 0; p < 3; p++)
            {
                int code = await nodes[p].ExitAsync(Scenario.Bound);
                Assert.True(code == 1, $"party {p} exit {code}: {nodes[p].Error}");
                Assert.Contains("runs another session", nodes[p].Error, StringComparison.Ordinal);
                Assert.DoesNotContain("attempt 1 of", nodes[p].Error, StringComparison.Ordinal);
            }
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Fact]
    public async Task An_unknown_engine_is_a_clear_configuration_error()
    {
        using Scenario scenario = Scenario.Create();
        await scenario.PrepareAsync(testSeed: null);
        List<string> args = scenario.NodeArguments(0, Scenario.FreeEndpoints(), null, 30);
        args.AddRange(["--engine", "garbled"]);
        using CliProcess node = CliProcess.Start(args);
        int code = await node.ExitAsync(Scenario.Bound);
        Assert.Equal(2, code);
        Assert.Contains("--engine must be beaver or replicated (got 'garbled')", node.Error, StringComparison.Ordinal);
    }
}
