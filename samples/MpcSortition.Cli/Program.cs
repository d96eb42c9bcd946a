using System.CommandLine;
using MpcSortition.Cli;

// Each verb lives in its own file and contributes one Command; this file only lists them.
var root = new RootCommand("MpcSortition: secure sortition of a citizens' assembly by three-party computation.")
{
    DemoCommand.Create(),
    SelectCommand.Create(),
    ProbabilitiesCommand.Create(),
    BenchCommand.Create(),
    CertsCommand.Create(),
    DealCommand.Create(),
    NodeCommand.Create(),
    QuickstartCommand.Create(),
    AuditCommand.Create(),
    VerifyReceiptCommand.Create(),
    RecordsCommand.Create(),
};

ParseResult parse = root.Parse(args);

// Bad options get one line naming the problem (and where to look), not the parser's error plus the whole help text.
// "--help" and "--version" are not errors and still print their text.
if (parse.Errors.Count > 0)
{
    string verb = parse.CommandResult.Command == root ? "" : $" {parse.CommandResult.Command.Name}";
    Console.Error.WriteLine($"error: {string.Join(" ", parse.Errors.Select(e => e.Message))} (see 'mpcsortition{verb} --help')");
    return 2;
}

return parse.Invoke();
