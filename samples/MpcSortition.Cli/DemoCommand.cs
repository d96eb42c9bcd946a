using System.CommandLine;
using MpcSortition.Core;

namespace MpcSortition.Cli;

/// <summary>The smallest honest demonstration of additive secret sharing among three providers.</summary>
internal static class DemoCommand
{
    internal static Command Create()
    {
        var count = new Option<int>("--count") { Description = "How many volunteers' answers to share.", DefaultValueFactory = _ => 5 };
        var command = new Command("demo", "Split volunteers' answers into three additive shares, add them share-wise, and reconstruct only the total.")
        {
            count,
        };
        command.SetAction(parse => Run(parse.GetValue(count)));
        return command;
    }

    private static int Run(int count)
    {
        if (count < 1)
        {
            Console.Error.WriteLine("error: --count must be at least 1.");
            return 2;
        }

        // Each volunteer answers "is your age band 16-29?" with 0 or 1.
        var answers = new uint[count];
        using (var prg = AesCtrPrg.CreateRandom())
        {
            for (int i = 0; i < count; i++)
            {
                answers[i] = prg.NextUInt32() & 1;
            }
        }

        ShareVector[] shares = AdditiveSharing.Split(answers, parties: 3);
        string[] providers = ["organiser", "local government", "independent party"];
        Console.WriteLine($"{count} volunteers answered; each answer was split into 3 shares mod 2^32.");
        for (int p = 0; p < 3; p++)
        {
            // A provider sees only uniformly random numbers; show the first few to make the point.
            string sample = string.Join(", ", shares[p].Values[..Math.Min(3, count)].ToArray());
            Console.WriteLine($"  {providers[p],-18} holds {shares[p].Length} shares, e.g. {sample}, ...");
        }

        // Every provider sums its own shares locally: a share of the count of "yes" answers.
        var totals = new uint[3];
        for (int p = 0; p < 3; p++)
        {
            totals[p] = Ring32.Sum(shares[p].Values);
        }

        uint total = AdditiveSharing.Reconstruct(totals);
        uint expected = Ring32.Sum(answers);
        Console.WriteLine($"Opened only the total: {total} of {count} are 16-29 (plaintext check: {expected}).");
        return total == expected ? 0 : 1;
    }
}
