using System.CommandLine;

namespace MpcSortition.Cli;

/// <summary><c>certs</c>: development certificates for the three providers (never check them in).</summary>
internal static class CertsCommand
{
    internal static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Directory for party-<i>.pfx (private key, password-protected, owner-only: give it to provider i only) and party-<i>.cer (public: give it to every provider)." };
        outDir.Required = true;
        var days = new Option<int>("--days") { Description = "Validity in days.", DefaultValueFactory = _ => 30 };
        var command = new Command("certs", $"Create self-signed development certificates for the three providers; each provider pins the others' .cer files. The .pfx password comes from {PfxPassword.Variable} or is asked on the terminal.")
        {
            outDir, days,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(days) is < 1 or > 36500)
            {
                return Cli.Fail(2, "--days must be between 1 and 36500.");
            }

            string? password = PfxPassword.Get("for the new .pfx files", out string? error);
            if (password is null)
            {
                return Cli.Fail(2, error!);
            }

            try
            {
                LocalParties.WriteCertificates(parse.GetValue(outDir)!, TimeSpan.FromDays(parse.GetValue(days)), password, Console.Out);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(4, $"cannot write the certificates: {e.Message}");
            }
        });
        return command;
    }
}
