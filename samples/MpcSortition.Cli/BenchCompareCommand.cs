using System.CommandLine;

namespace MpcSortition.Cli;

/// <summary>
/// The <c>bench lt</c> and <c>bench eq</c> verbs: batched secure comparisons among three parties over mutually
/// authenticated TLS. <see cref="AddTo"/> adds them to an existing <c>bench</c> verb (the one with <c>bench mul</c>);
/// <see cref="Create"/> makes a <c>bench</c> verb holding only these two.
/// </summary>
internal static class BenchCompareCommand
{
    /// <summary>A <c>bench</c> verb with the comparison benchmarks only.</summary>
    internal static Command Create()
    {
        var bench = new Command("bench", "Protocol benchmarks across processes or machines.");
        AddTo(bench);
        return bench;
    }

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
        var party = new Option<int?>("--party") { Description = "Join as this party (0, 1 or 2) instead of starting all three locally." };
        var endpoints = new Option<string?>("--endpoints") { Description = "host:port of parties 0,1,2, comma-separated (with --party)." };
        var cert = new Option<string?>("--cert") { Description = "This party's certificate with private key, PKCS#12 (.pfx) (with --party)." };
        var peerCerts = new Option<string?>("--peer-certs") { Description = "Pinned certificates (.cer) of parties 0,1,2, comma-separated (with --party)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a send/receive or the set-up may take before the run fails.", DefaultValueFactory = _ => 60 };
        var mode = new Option<string>("--mode") { Description = "lt only: unsigned (exact, default), signed (exact int32) or sign (sign of x - y, valid for |x - y| < 2^31).", DefaultValueFactory = _ => "unsigned" };
        string description = operation == BenchCompare.Operation.LessThan
            ? "Secure x < y on secret-shared 32-bit vectors among three parties over mutually authenticated TLS; prints one line: lt batch=B seconds=S ops_per_s=R bytes_per_party=B rounds=N."
            : "Secure x == y on secret-shared 32-bit vectors among three parties over mutually authenticated TLS; prints one line: eq batch=B seconds=S ops_per_s=R bytes_per_party=B rounds=N.";
        var command = new Command(name, description)
        {
            batch, iterations, party, endpoints, cert, peerCerts, timeout,
        };
        if (operation == BenchCompare.Operation.LessThan)
        {
            command.Add(mode);
        }

        command.SetAction((parse, ct) => BenchCompare.RunAsync(
            new BenchCompare.Settings(
                operation,
                parse.GetValue(batch),
                parse.GetValue(iterations),
                parse.GetValue(party),
                parse.GetValue(endpoints),
                parse.GetValue(cert),
                parse.GetValue(peerCerts),
                TimeSpan.FromSeconds(parse.GetValue(timeout)),
                operation == BenchCompare.Operation.LessThan ? parse.GetValue(mode)! : "unsigned"),
            ct));
        return command;
    }
}
