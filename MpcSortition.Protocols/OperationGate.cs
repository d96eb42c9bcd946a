namespace MpcSortition.Protocols;

/// <summary>
/// What every engine needs around an interactive operation, written once: one operation at a time (their messages would
/// interleave on the links) and a bound on the batch of one call.
/// </summary>
internal sealed class OperationGate
{
    private int _busy;

    /// <summary>Refuses an interactive call of a batch larger than <paramref name="maxBatch"/> values.</summary>
    internal static void CheckBatch(int length, int maxBatch)
    {
        if (length > maxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"At most {maxBatch} values per interactive call (1 GiB messages); split the batch.");
        }
    }

    /// <summary>Enters the one interactive operation of party <paramref name="party"/>'s black box; dispose the scope to leave.</summary>
    internal Scope Enter(int party)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"Party {party}: another interactive operation of this black box is still running; await each operation before starting the next (batch independent work with Concat instead).");
        }

        return new Scope(this);
    }

    /// <summary>Leaves the operation when disposed.</summary>
    internal readonly struct Scope(OperationGate owner) : IDisposable
    {
        /// <summary>Lets the next interactive operation start.</summary>
        public void Dispose() => Volatile.Write(ref owner._busy, 0);
    }
}
