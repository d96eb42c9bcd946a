using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>Options of <see cref="InProcessSecureSelection.SelectAsync"/>.</summary>
public sealed class InProcessSelectionOptions
{
    /// <summary>The selection's own options (attempts, analyser, what is revealed). Its
    /// <see cref="SecureSelectionOptions.Tape"/> must be null: each in-process provider needs its own tape, so give
    /// <see cref="Seed"/> instead. Default: the defaults of <see cref="SecureSelectionOptions"/>.</summary>
    public SecureSelectionOptions Selection { get; init; } = new();

    /// <summary>A <see cref="AesCtrPrg.SeedSize"/>-byte seed for a public, reproducible tape (<see cref="PublicTape"/>
    /// over <see cref="RandomTape"/>: the same panel as the reference for that seed); null (default) for jointly random
    /// words that no provider knows.</summary>
    public byte[]? Seed { get; init; }

    /// <summary>Give the providers the address groups (household exclusion). Default true.</summary>
    public bool IncludeAddresses { get; init; } = true;

    /// <summary>How the three parties run (timeouts, decorators); null for the defaults.</summary>
    public InProcessOptions? Parties { get; init; }
}

/// <summary>
/// Runs a secure selection with the three providers in one process (<see cref="InProcessParties"/>): the contributors'
/// shares are dealt from a plaintext problem, each provider runs <see cref="SecureSelector.SelectAsync"/> on its own
/// black box, and the analyser's result is returned. For demonstrations, tests and benchmarks; a real deployment runs
/// each provider in its own process.
/// </summary>
public static class InProcessSecureSelection
{
    /// <summary>Selects a panel of <paramref name="problem"/> on shares.</summary>
    /// <param name="problem">The problem (its candidates' values are dealt as shares; the providers see only the layout).</param>
    /// <param name="strategy">The secure strategy.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The analyser's result.</returns>
    /// <exception cref="InfeasibleQuotasException">The public quotas cannot be met.</exception>
    /// <exception cref="SecureSelectionFailedException">Every attempt failed.</exception>
    public static async Task<SecureSelectionResult> SelectAsync(
        SelectionProblem problem,
        ISecureSelectionStrategy strategy,
        InProcessSelectionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(strategy);
        options ??= new InProcessSelectionOptions();
        SecureSelectionOptions selection = options.Selection ?? throw new ArgumentException("The selection options must not be null.", nameof(options));
        if (selection.Tape is not null)
        {
            throw new ArgumentException("In-process providers each need their own tape: give a seed (InProcessSelectionOptions.Seed) instead of SecureSelectionOptions.Tape.", nameof(options));
        }

        byte[]? seed = options.Seed?.ToArray();
        if (seed is not null && seed.Length != AesCtrPrg.SeedSize)
        {
            throw new ArgumentException($"The seed must be {AesCtrPrg.SeedSize} bytes; got {seed.Length}.", nameof(options));
        }

        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem, options.IncludeAddresses);
        ShareVector[] shares = SecurePool.Share(problem, InProcessParties.Parties);
        SecureSelectionResult[] results = await InProcessParties.RunAsync(
            async abb =>
            {
                SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
                using RandomTape? plain = seed is null ? null : new RandomTape(seed);
                SecureSelectionOptions mine = plain is null ? selection : new SecureSelectionOptions
                {
                    MaxAttempts = selection.MaxAttempts,
                    Analyser = selection.Analyser,
                    Tape = new PublicTape(plain),
                    RevealComposition = selection.RevealComposition,
                    RevealPickOrder = selection.RevealPickOrder,
                    ParallelAttempts = selection.ParallelAttempts,
                };
                return await SecureSelector.SelectAsync(abb, pool, strategy, mine, cancellationToken).ConfigureAwait(false);
            },
            options.Parties,
            cancellationToken).ConfigureAwait(false);
        return results[selection.Analyser];
    }
}
