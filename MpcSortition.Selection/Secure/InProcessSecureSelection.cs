using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// Runs a secure selection with the three providers in one process over the in-memory transport: the contributors'
/// shares are dealt from a plaintext problem, each provider runs <see cref="SecureSelector.SelectAsync"/> on its own
/// black box, and the analyser's (party 0's) result is returned. For demonstrations, tests and benchmarks; a real
/// deployment runs each provider in its own process.
/// </summary>
public static class InProcessSecureSelection
{
    /// <summary>Number of providers.</summary>
    public const int Parties = 3;

    /// <summary>Selects a panel of <paramref name="problem"/> on shares.</summary>
    /// <param name="problem">The problem (its candidates' values are dealt as shares; the providers see only the layout).</param>
    /// <param name="strategy">The secure strategy.</param>
    /// <param name="maxAttempts">Attempts before giving up.</param>
    /// <param name="seed">A 16-byte seed for a public, reproducible tape (<see cref="PublicTape"/> over
    /// <see cref="RandomTape"/>: the same panel as the reference for that seed); null for jointly random words.</param>
    /// <param name="revealComposition">Also open the composition to the analyser.</param>
    /// <param name="includeAddresses">Give the providers the address groups (household exclusion).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The analyser's result.</returns>
    /// <exception cref="InfeasibleQuotasException">The public quotas cannot be met.</exception>
    /// <exception cref="SecureSelectionFailedException">Every attempt failed.</exception>
    public static async Task<SecureSelectionResult> SelectAsync(
        SelectionProblem problem,
        ISecureSelectionStrategy strategy,
        int maxAttempts = PanelSelector.DefaultAttempts,
        byte[]? seed = null,
        bool revealComposition = false,
        bool includeAddresses = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(strategy);
        SecureSelectionLayout layout = SecureSelectionLayout.FromProblem(problem, includeAddresses);
        ShareVector[] shares = SecurePool.Share(problem, Parties);
        SecureSelectionResult[] results = await RunAsync(
            async abb =>
            {
                SecurePool pool = SecurePool.FromShares(abb, layout, shares[abb.PartyIndex].Values);
                using RandomTape? plain = seed is null ? null : new RandomTape(seed);
                ISharedTape? tape = plain is null ? null : new PublicTape(plain);
                var options = new SecureSelectionOptions { MaxAttempts = maxAttempts, Tape = tape, RevealComposition = revealComposition };
                return await SecureSelector.SelectAsync(abb, pool, strategy, options, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>Runs one SPMD program at three in-memory providers (dealer-free triples) and returns each party's result.</summary>
    /// <typeparam name="T">The program's result.</typeparam>
    /// <param name="program">The program; it receives the party's black box.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The results in party order.</returns>
    public static async Task<T[]> RunAsync<T>(Func<IArithmeticBlackBox, Task<T>> program, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        ITransport[] transports = InMemoryNetwork.Create(Parties, TimeSpan.FromMinutes(10));
        Task<T>[] tasks = transports.Select(t => Task.Run(
            async () =>
            {
                PartySession session = await PartySession.EstablishAsync(t, cancellationToken).ConfigureAwait(false);
                await using var abb = new SemiHonestBlackBox(session);
                return await program(abb).ConfigureAwait(false);
            },
            cancellationToken)).ToArray();
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Surface the first real failure (a peer's failure shows up at the others as a closed link).
            foreach (Task<T> task in tasks)
            {
                if (task.Exception?.InnerException is { } inner && inner is not PeerException and not OperationCanceledException)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
                }
            }

            throw;
        }
    }
}
