namespace MpcSortition.Protocols;

/// <summary>The two implementations of <see cref="IArithmeticBlackBox"/> in this library. Code written against the
/// interface (the comparison toolkit, the secure selection) runs unchanged on either.</summary>
public enum BlackBoxEngine
{
    /// <summary><see cref="SemiHonestBlackBox"/>: additive shares, Beaver multiplication with dealer-free replicated
    /// triples (16 bytes per multiplication per party, to both peers); the reference engine.</summary>
    Beaver,

    /// <summary><see cref="ReplicatedBlackBox"/>: replicated shares among exactly three parties (4 bytes per
    /// multiplication per party, to one peer; an inner product of any length for the price of one multiplication).</summary>
    Replicated,
}

/// <summary>Creates a black box of a chosen <see cref="BlackBoxEngine"/> over a transport.</summary>
public static class BlackBoxEngines
{
    /// <summary>Establishes a session over <paramref name="transport"/> and creates the black box of <paramref name="engine"/>.</summary>
    /// <param name="transport">A connected transport of three parties; owned by the result.</param>
    /// <param name="engine">Which engine.</param>
    /// <param name="cancellationToken">Cancels set-up.</param>
    /// <returns>The black box.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Unknown engine.</exception>
    public static async Task<IArithmeticBlackBox> CreateAsync(ITransport transport, BlackBoxEngine engine, CancellationToken cancellationToken = default) => engine switch
    {
        BlackBoxEngine.Beaver => await SemiHonestBlackBox.CreateAsync(transport, cancellationToken).ConfigureAwait(false),
        BlackBoxEngine.Replicated => await ReplicatedBlackBox.CreateAsync(transport, cancellationToken).ConfigureAwait(false),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "Unknown engine."),
    };

    /// <summary>Parses <c>beaver</c> or <c>replicated</c> (case-insensitive), as the command-line tools spell them.</summary>
    /// <param name="name">The name.</param>
    /// <param name="engine">The engine, when the name is known.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, out BlackBoxEngine engine)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "beaver":
                engine = BlackBoxEngine.Beaver;
                return true;
            case "replicated":
                engine = BlackBoxEngine.Replicated;
                return true;
            default:
                engine = default;
                return false;
        }
    }
}
