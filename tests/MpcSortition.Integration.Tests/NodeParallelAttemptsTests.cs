using MpcSortition.Tests.Shared;

namespace MpcSortition.Integration.Tests;

/// <summary><c>node --parallel-attempts</c> (issue 15 item 4): the resolved number of attempts per batch is part of the
/// agreed session settings, and a bad value, on the command line or in the JSON configuration, is a clear error.</summary>
public sealed class NodeParallelAttemptsTests
{
    [Fact]
    public async Task Nodes_that_would_batch_differently_refuse_to_run_together()
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
                if (p == 1)
                {
                    args.AddRange(["--parallel-attempts", "2"]); // the others run the default (16 for this pool)
                }

                nodes.Add(CliProcess.Start(args));
            }

            for (int p = 0; p < 3; p++)
            {
                int code = await nodes[p].ExitAsync(Scenario.Bound);
                Assert.True(code == 1, $"party {p} exit {code}: {nodes[p].Error}");
                Assert.Contains("runs another session", nodes[p].Error, StringComparison.Ordinal);
                Assert.Contains("number of parallel attempts", nodes[p].Error, StringComparison.Ordinal);
                Assert.DoesNotContain("batched computation", nodes[p].Error, StringComparison.Ordinal); // no attempt started
            }
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    [InlineData("1.5")]
    public async Task A_bad_value_is_a_clear_configuration_error(string value)
    {
        using Scenario scenario = Scenario.Create();
        await scenario.PrepareAsync(testSeed: null);
        List<string> args = scenario.NodeArguments(0, Scenario.FreeEndpoints(), null, 30);
        args.AddRange(["--parallel-attempts", value]);
        using CliProcess node = CliProcess.Start(args);
        int code = await node.ExitAsync(Scenario.Bound);
        Assert.Equal(2, code);
        Assert.Contains($"must be auto or a whole number of at least 1 (got '{value}')", node.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_in_the_json_configuration_is_a_clear_error_and_a_number_is_accepted()
    {
        using Scenario scenario = Scenario.Create();
        await scenario.PrepareAsync(testSeed: null);
        string bad = Path.Combine(scenario.Directory, "bad.json");
        await File.WriteAllTextAsync(bad, "{ \"parallelAttempts\": \"lots\" }");
        List<string> args = scenario.NodeArguments(0, Scenario.FreeEndpoints(), null, 30);
        using (CliProcess node = CliProcess.Start([.. args, "--config", bad]))
        {
            Assert.Equal(2, await node.ExitAsync(Scenario.Bound));
            Assert.Contains("(parallelAttempts) must be auto or a whole number of at least 1 (got 'lots')", node.Error, StringComparison.Ordinal);
        }

        // A JSON number passes the check (the node then waits for its peers, which never come: a connection error).
        string good = Path.Combine(scenario.Directory, "good.json");
        await File.WriteAllTextAsync(good, "{ \"parallelAttempts\": 3 }");
        using (CliProcess node = CliProcess.Start([.. scenario.NodeArguments(0, Scenario.FreeEndpoints(), null, 3), "--config", good]))
        {
            int code = await node.ExitAsync(Scenario.Bound);
            Assert.NotEqual(2, code);
            Assert.DoesNotContain("parallelAttempts", node.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Quickstart_refuses_a_bad_value_before_it_starts()
    {
        (int code, _, string error) = await CliProcess.RunAsync(["quickstart", "--parallel-attempts", "none"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--parallel-attempts must be auto or a whole number of at least 1 (got 'none')", error, StringComparison.Ordinal);
    }
}
