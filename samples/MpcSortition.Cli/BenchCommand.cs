using System.CommandLine;

namespace MpcSortition.Cli;

/// <summary>The <c>bench</c> verb: protocol benchmarks across processes or machines.</summary>
internal static class BenchCommand
{
    internal static Command Create()
    {
        var batch = new Option<int>("--batch") { Description = "Multiplications per batch (one round).", DefaultValueFactory = _ => 1_000_000 };
        var iterations = new Option<int>("--iterations") { Description = "Timed batches (after the warm-up); the median is reported.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed batches first, so that the JIT and TCP windows settle.", DefaultValueFactory = _ => 10 };
        var length = new Option<int>("--length") { Description = "Row length L: with L > 1 each of the batch's elements is an inner product of L terms (line 'ip ... length=L').", DefaultValueFactory = _ => 1 };
        var connection = new BenchHarness.ConnectionOptions();
        var mul = new Command("mul", "Multiplications (or, with --length, inner products) of secret-shared vectors among three parties over mutually authenticated TLS; prints one line: mul batch=B seconds=S ops_per_s=R bytes_per_party=B rounds=N engine=E.")
        {
            batch, iterations, warmup, length,
        };
        connection.AddTo(mul);
        mul.SetAction((parse, ct) => BenchMul.RunAsync(
            new BenchMul.Settings(
                parse.GetValue(batch),
                parse.GetValue(iterations),
                parse.GetValue(warmup),
                connection.Read(parse),
                parse.GetValue(length)),
            ct));

        var outDir = new Option<string>("--out") { Description = "Directory for party-<i>.pfx (keep secret, give to party i) and party-<i>.cer (give to everyone).", Required = true };
        var certs = new Command("certs", "Create self-signed certificates for three parties (for running bench mul on three machines).")
        {
            outDir,
        };
        certs.SetAction(parse => BenchMul.WriteCertificates(parse.GetValue(outDir)!));

        var bench = new Command("bench", "Protocol benchmarks across processes or machines.")
        {
            mul,
            certs,
        };
        BenchCompareCommand.AddTo(bench);
        return bench;
    }
}
