using System.Security.Cryptography;
using System.Text;
using MpcSortition.Ballot;
using MpcSortition.Selection.Intake;

// mpcsortition-ballot: one counter of a secure ballot tally (docs/voting.md).
//   serve  --config counter-i.json                   the counter's HTTPS intake (and the ballot page with "page")
//   invite --round round.json --count N --letters letters.csv --hashes code-hashes.txt
//   token                                            a new operator token and the SHA-256 for the configs
return await Cli.RunAsync(args);

internal static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            switch (args.FirstOrDefault())
            {
                case "serve":
                    BallotConfig config = BallotConfig.Load(Option(args, "--config"));
                    await using (WebApplication app = BallotApp.Build(config))
                    {
                        await app.StartAsync();
                        Console.WriteLine($"Counter {config.Party} serves ballot round {config.Round.RoundId} at {string.Join(", ", config.Listen)}.");
                        await app.WaitForShutdownAsync();
                    }

                    return 0;
                case "invite":
                    Invite(BallotRound.Load(Option(args, "--round")), int.Parse(Option(args, "--count"), System.Globalization.CultureInfo.InvariantCulture), Option(args, "--letters"), Option(args, "--hashes"));
                    return 0;
                case "token":
                    string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                    Console.WriteLine($"token: {token}");
                    Console.WriteLine($"operatorTokenSha256: {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))}");
                    return 0;
                default:
                    Console.Error.WriteLine("usage: mpcsortition-ballot serve --config FILE | invite --round FILE --count N --letters FILE --hashes FILE | token");
                    return 2;
            }
        }
        catch (BallotFileException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    private static string Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new BallotFileException($"{name} is missing.");
    }

    /// <summary>Voter codes: the letters (0600; they hold the codes) and the hashes every counter loads.</summary>
    public static void Invite(BallotRound round, int count, string letters, string hashes)
    {
        OwnerOnly.SetUmask();
        var codes = Enumerable.Range(0, count).Select(_ => InvitationCode.Generate()).ToArray();
        MpcSortition.Selection.Providers.OwnerOnlyFile.Write(letters, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.WriteLine("code,vote_url");
            foreach (string c in codes)
            {
                w.WriteLine($"{InvitationCode.Format(c)},{round.VoteUrl.Replace("{code}", c, StringComparison.Ordinal)}");
            }
        });
        MpcSortition.Selection.Providers.OwnerOnlyFile.Write(hashes, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            foreach (string c in codes)
            {
                w.WriteLine(InvitationCode.Hash(round.CodeSalt, c));
            }
        });
        Console.WriteLine($"Wrote {count} voter codes: letters to {letters} (secret: print and delete), hashes to {hashes}.");
    }
}
