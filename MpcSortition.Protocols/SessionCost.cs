namespace MpcSortition.Protocols;

/// <summary>
/// What one party has spent in a session so far: communication rounds, payload bytes sent and received (from the
/// session's <see cref="TransportTrace"/>), and the number of multiplications and AND gates the black box performed
/// (counters the engine increments in <see cref="IArithmeticBlackBox.MultiplyAsync"/> and
/// <see cref="IArithmeticBlackBox.AndAsync"/>, by the batch length). Take a snapshot before and after a protocol and
/// subtract. Contains no secret: every figure depends only on public lengths.
/// </summary>
/// <param name="Rounds">Communication rounds begun.</param>
/// <param name="BytesSent">Payload bytes this party sent, to all peers together.</param>
/// <param name="BytesReceived">Payload bytes this party received, from all peers together.</param>
/// <param name="Multiplications">Elements multiplied by <see cref="IArithmeticBlackBox.MultiplyAsync"/>.</param>
/// <param name="AndGates">Bits combined by <see cref="IArithmeticBlackBox.AndAsync"/>.</param>
public readonly record struct SessionCost(long Rounds, long BytesSent, long BytesReceived, long Multiplications, long AndGates)
{
    /// <summary>The cost between two snapshots.</summary>
    /// <param name="after">The later snapshot.</param>
    /// <param name="before">The earlier snapshot.</param>
    /// <returns>The difference, figure by figure.</returns>
    public static SessionCost operator -(SessionCost after, SessionCost before) => new(
        after.Rounds - before.Rounds,
        after.BytesSent - before.BytesSent,
        after.BytesReceived - before.BytesReceived,
        after.Multiplications - before.Multiplications,
        after.AndGates - before.AndGates);

    /// <summary>The sum of two costs (for example of two phases).</summary>
    /// <param name="left">One cost.</param>
    /// <param name="right">The other cost.</param>
    /// <returns>The sum, figure by figure.</returns>
    public static SessionCost operator +(SessionCost left, SessionCost right) => new(
        left.Rounds + right.Rounds,
        left.BytesSent + right.BytesSent,
        left.BytesReceived + right.BytesReceived,
        left.Multiplications + right.Multiplications,
        left.AndGates + right.AndGates);

    /// <summary>The figures divided by <paramref name="parts"/> (for example per attempt), rounded down.</summary>
    /// <param name="parts">At least 1.</param>
    /// <returns>The averages.</returns>
    public SessionCost Per(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        return new(Rounds / parts, BytesSent / parts, BytesReceived / parts, Multiplications / parts, AndGates / parts);
    }

    /// <summary>Subtraction by name, for languages without operators.</summary>
    /// <param name="after">The later snapshot.</param>
    /// <param name="before">The earlier snapshot.</param>
    /// <returns>The difference.</returns>
    public static SessionCost Subtract(SessionCost after, SessionCost before) => after - before;

    /// <summary>Addition by name, for languages without operators.</summary>
    /// <param name="left">One cost.</param>
    /// <param name="right">The other cost.</param>
    /// <returns>The sum.</returns>
    public static SessionCost Add(SessionCost left, SessionCost right) => left + right;
}
