using System.Runtime.ExceptionServices;

namespace MpcSortition.Protocols;

/// <summary>Options of <see cref="InProcessParties.RunAsync{T}"/>.</summary>
public sealed class InProcessOptions
{
    /// <summary>The inactivity limit of every send and receive (see <see cref="InMemoryNetwork.Create"/>); default
    /// 10 minutes, <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Wraps each party's in-memory transport before the session is established (for example to delay,
    /// log or count messages); receives the party's transport and returns the one the session uses, which then
    /// owns it. Default none.</summary>
    public Func<ITransport, ITransport>? TransportDecorator { get; init; }

    /// <summary>Wraps each party's black box before the program sees it (for example to count or log operations);
    /// the wrapper is handed to the program, the inner black box is disposed by the runner after the program ends.
    /// Default none.</summary>
    public Func<IArithmeticBlackBox, IArithmeticBlackBox>? BlackBoxDecorator { get; init; }

    /// <summary>Which black box each party runs: <see cref="BlackBoxEngine.Replicated"/> (default since issue 14: it
    /// measured faster on every operation and on the secure selection, with the same rounds and at most half the bytes;
    /// see docs/benchmarks.md) or <see cref="BlackBoxEngine.Beaver"/> (the reference engine over additive shares).</summary>
    public BlackBoxEngine Engine { get; init; } = BlackBoxEngine.Replicated;
}

/// <summary>
/// Runs the three parties of a session in one process over <see cref="InMemoryNetwork"/>: each party establishes its
/// <see cref="PartySession"/> (pairwise seeds), gets the black box of <see cref="InProcessOptions.Engine"/> (by default a
/// <see cref="ReplicatedBlackBox"/>; <see cref="SemiHonestBlackBox"/> with dealer-free triples on request), and
/// runs the same program (SPMD). For demonstrations, tests, benchmarks and simulations; all three parties' secrets
/// live in this one process, so nothing is protected from whoever runs it. A real deployment runs each party in its
/// own process over <see cref="TlsTransport"/>.
/// </summary>
public static class InProcessParties
{
    /// <summary>Number of parties (the dealer-free triples need exactly three).</summary>
    public const int Parties = 3;

    /// <summary>Runs <paramref name="program"/> at each of the three parties and returns each party's result.</summary>
    /// <typeparam name="T">The program's result.</typeparam>
    /// <param name="program">The program; it receives the party's black box, which the runner disposes afterwards.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The results in party order.</returns>
    /// <exception cref="PeerException">A link failed (when no party's program failed first).</exception>
    /// <remarks>When a party's program throws, its links close and the other parties fail with a
    /// <see cref="PeerException"/>; the runner rethrows the first party's own exception rather than those
    /// consequences.</remarks>
    public static async Task<T[]> RunAsync<T>(Func<IArithmeticBlackBox, Task<T>> program, InProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        options ??= new InProcessOptions();
        ITransport[] transports = InMemoryNetwork.Create(Parties, options.OperationTimeout);
        Task<T>[] tasks = transports.Select(t => Task.Run(() => RunPartyAsync(t, program, options, cancellationToken), cancellationToken)).ToArray();
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Surface the first real failure (a party's failure shows up at the others as a closed link).
            foreach (Task<T> task in tasks)
            {
                if (task.Exception?.InnerException is { } inner && inner is not PeerException and not OperationCanceledException)
                {
                    ExceptionDispatchInfo.Capture(inner).Throw();
                }
            }

            throw;
        }
    }

    private static async Task<T> RunPartyAsync<T>(ITransport transport, Func<IArithmeticBlackBox, Task<T>> program, InProcessOptions options, CancellationToken cancellationToken)
    {
        ITransport used = transport;
        if (options.TransportDecorator is { } wrapTransport)
        {
            try
            {
                used = wrapTransport(transport) ?? throw new InvalidOperationException("The transport decorator returned null.");
            }
            catch
            {
                await transport.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        IArithmeticBlackBox inner = await BlackBoxEngines.CreateAsync(used, options.Engine, cancellationToken).ConfigureAwait(false);
        await using (inner.ConfigureAwait(false))
        {
            IArithmeticBlackBox abb = options.BlackBoxDecorator is { } wrap
                ? wrap(inner) ?? throw new InvalidOperationException("The black-box decorator returned null.")
                : inner;
            return await program(abb).ConfigureAwait(false);
        }
    }
}
