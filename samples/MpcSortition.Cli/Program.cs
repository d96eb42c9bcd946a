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
};

return root.Parse(args).Invoke();
