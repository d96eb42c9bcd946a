using System.CommandLine;

namespace MpcSortition.Cli;

/// <summary>
/// The <c>bench lt</c> and <c>bench eq</c> verbs: batched secure comparisons among three parties over mutually
/// authenticated TLS. <see cref="AddTo"/> adds them to the <c>bench</c> verb beside <c>bench mul</c>.
/// </summary>
internal static class BenchCompareCommand
{
    /// <summary>Adds <c>lt</c> and <c>eq</c> to <paramref name="bench"/>.</summary>
    internal static void AddTo(Command bench)
    {
        bench.Add(CreateVerb(BenchCompare.Operation.LessThan));
        bench.Add(CreateVerb(BenchCompare.Operation.Equal));
    }

    private static Command CreateVerb(BenchCompare.Operation operation)
    {
        string name = operation == BenchCompare.Operation.LessThan ? "lt" : "eq";
        var batch = new Option<int>("--batch") { Description = "Comparisons per batch (one call, a constant number of rounds).", DefaultValueFactory = _ => 100_000 };
        var iterations = new Option<int>("--iterations") { Description = "Timed batches after two warm-up batches; the median is reported.", DefaultValueFactory = _ => 10 };
        var mode = new Option<string>("--mode") { Description = "lt only: unsigned (exact, default), signed (exact int32) or sign (sign of x - y, valid for |x - y| < 2^31).", DefaultValueFactory = _ => "unsigned" };
        string description = operation == BenchCompare.Operation.LessThan
            ? "Secure x < y on secret-shared 32-bit vectors among three parties over mutually authenticated TLS; prints one line: lt batch=B seconds=S ops_per_s=R bytes_per_party=B rounds=N."
            : "Secure x == y on secret-shared 32-bit vectors among three parties over mutually authenticated TLS; prints one line: eq batch=B seconds=S ops_per_s=R bytes_per_party=B rounds=N.";
        var command = new Command(name, description)
        {
            batch, iterations,
        };
        var connection = new BenchHarness.ConnectionOptions();
        connection.AddTo(command);
        if (operation == BenchCompare.Operation.LessThan)
        {
            command.Add(mode);
        }

        command.SetAction((parse, ct) => BenchCompare.RunAsync(
            new BenchCompare.Settings(
                operation,
                parse.GetValue(batch),
                parse.GetValue(iterations),
                operation == BenchCompare.Operation.LessThan ? parse.GetValue(mode)! : "unsigned",
                connection.Read(parse)),
            ct));
        return command;
    }
}
