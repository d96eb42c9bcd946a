namespace MpcSortition.Examples;

using MpcSortition.Selection;
using MpcSortition.Selection.Secure;

/// <summary>The MpcSortition.Selection README's example: the same panel in the clear and on secret shares.</summary>
public static class SelectionExample
{
    /// <summary>Runs the example on the Sortition Foundation's two CSV files.</summary>
    /// <param name="peopleCsv">The people file (id column and one column per feature).</param>
    /// <param name="quotasCsv">The quota file (<c>feature,value,min,max</c>).</param>
    /// <param name="k">The panel size.</param>
    /// <returns>The plaintext reference's panel and the secure selector's panel for the same public test seed.</returns>
    public static async Task<(IReadOnlyList<int> Reference, IReadOnlyList<int> Secure)> RunAsync(string peopleCsv, string quotasCsv, int k)
    {
        // <example>
        SortitionData data = SortitionCsv.Read(peopleCsv, quotasCsv);
        SelectionProblem problem = data.ToProblem(k);
        byte[] seed = RandomTape.SeedFromString("published test seed");

        // The reference: the Sortition Foundation's legacy greedy, in the clear, on an explicit random tape.
        SelectionResult reference = PanelSelector.Select(problem, new LegacyGreedy(), seed);

        // The same algorithm on secret shares, three providers in one process (a deployment runs one per
        // organisation, see MpcSortition.Selection.Providers). With the same public test seed it returns the same
        // panel; without a seed the providers draw joint randomness that none of them knows.
        SecureSelectionResult secure = await InProcessSecureSelection.SelectAsync(
            problem,
            new SecureLegacyGreedy(),
            new InProcessSelectionOptions { Seed = seed });

        // reference.Panel and secure.Panel hold the same people (the secure panel in pool order)
        // </example>
        return (reference.Panel, secure.Panel!);
    }
}
