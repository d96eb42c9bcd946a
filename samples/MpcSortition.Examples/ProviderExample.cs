namespace MpcSortition.Examples;

using MpcSortition.Protocols;
using MpcSortition.Selection;
using MpcSortition.Selection.Providers;

/// <summary>The provider API example: deal a pool into a round and share files, then run the three providers.</summary>
public static class ProviderExample
{
    /// <summary>Runs the example in a scratch directory.</summary>
    /// <param name="problem">The pool to deal (in a deployment the contributors hold it, never one party).</param>
    /// <param name="directory">Where the round and share files are written.</param>
    /// <returns>The ids of the panel that provider 0 (the analyser's) received.</returns>
    public static async Task<IReadOnlyList<string>> RunAsync(SelectionProblem problem, string directory)
    {
        // <example>
        // Contributors: publish the round (public) and give provider i its share file (secret, owner-only).
        RoundDefinition dealt = RoundDefinition.Create(problem);
        using (FileStream roundFile = File.Create(Path.Combine(directory, "round.json")))
        {
            dealt.Save(roundFile);
        }

        uint[][] shares = ContributorEncoding.ShareRows(problem.Features, problem.Candidates.Select(c => c.Values));
        for (int party = 0; party < ProviderRun.Parties; party++)
        {
            ShareFile.WriteFile(Path.Combine(directory, $"party-{party}.shares"), dealt, party, shares[party]);
        }

        // Each provider, on its own machine: load the round and its share file, connect to its peers, run.
        // (Here the three run in one process over the in-memory network; a deployment uses TlsTransport.)
        ITransport[] network = InMemoryNetwork.Create(ProviderRun.Parties);
        Task<ProviderRunResult>[] providers = network.Select(async transport =>
        {
            RoundDefinition round;
            using (FileStream roundFile = File.OpenRead(Path.Combine(directory, "round.json")))
            {
                round = RoundDefinition.Load(roundFile);
            }

            uint[] mine;
            using (FileStream shareFile = File.OpenRead(Path.Combine(directory, $"party-{transport.PartyIndex}.shares")))
            {
                mine = ShareFile.Read(shareFile, round, transport.PartyIndex);
            }

            return await ProviderRun.RunAsync(transport, round, mine);
        }).ToArray();
        ProviderRunResult[] results = await Task.WhenAll(providers);

        // Only the analyser's provider (0) holds the panel; the others learn that a panel was found.
        IReadOnlyList<string> panel = results[0].PanelIds!;
        // </example>
        return panel;
    }
}
