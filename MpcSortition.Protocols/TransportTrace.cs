namespace MpcSortition.Protocols;

/// <summary>Direction of a traced message.</summary>
public enum TraceDirection
{
    /// <summary>This party sent the message.</summary>
    Sent,

    /// <summary>This party received the message.</summary>
    Received,
}

/// <summary>One message as seen by the transport: which round, which peer, which direction, how many payload bytes.</summary>
/// <param name="Round">The communication round (1-based) in which the message was sent or expected; 0 for set-up traffic.</param>
/// <param name="Peer">The other party.</param>
/// <param name="Direction">Sent or received.</param>
/// <param name="Bytes">Payload bytes (framing not included).</param>
public readonly record struct TraceEntry(long Round, int Peer, TraceDirection Direction, int Bytes);

/// <summary>
/// Records the shape of the traffic of one party: rounds, and the size and peer of every message. It never records
/// contents. Two runs of a data-oblivious protocol on different secrets of the same public size give equal traces.
/// </summary>
/// <remarks>
/// Entries are recorded when an operation is issued (not when it completes), so their order follows program order
/// and does not depend on network timing. Thread-safe.
/// </remarks>
public sealed class TransportTrace
{
    private readonly object _gate = new();
    private readonly List<TraceEntry> _entries = [];
    private long _rounds;
    private long _bytesSent;
    private long _bytesReceived;
    private long _messagesSent;

    /// <summary>Whether individual messages are kept in <see cref="Entries"/> (counters are always kept). Default true.</summary>
    public bool RecordEntries { get; set; } = true;

    /// <summary>Number of communication rounds begun so far.</summary>
    public long Rounds
    {
        get
        {
            lock (_gate)
            {
                return _rounds;
            }
        }
    }

    /// <summary>Total payload bytes sent to all peers.</summary>
    public long BytesSent
    {
        get
        {
            lock (_gate)
            {
                return _bytesSent;
            }
        }
    }

    /// <summary>Total payload bytes received from all peers.</summary>
    public long BytesReceived
    {
        get
        {
            lock (_gate)
            {
                return _bytesReceived;
            }
        }
    }

    /// <summary>Number of messages sent.</summary>
    public long MessagesSent
    {
        get
        {
            lock (_gate)
            {
                return _messagesSent;
            }
        }
    }

    /// <summary>A snapshot of the recorded messages, in program order.</summary>
    public IReadOnlyList<TraceEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    /// <summary>Forgets all entries and zeroes the counters (for example after set-up, before a measured protocol).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _entries.Clear();
            _rounds = 0;
            _bytesSent = 0;
            _bytesReceived = 0;
            _messagesSent = 0;
        }
    }

    /// <summary>Marks the start of a new communication round; later messages carry its number. Called by
    /// <see cref="PartySession"/> (or by a session layer written elsewhere) once per round.</summary>
    public void BeginRound()
    {
        lock (_gate)
        {
            _rounds++;
        }
    }

    /// <summary>Records one message when it is issued. Called by <see cref="PartySession"/> for every message it sends
    /// or receives, whatever the transport (or by a session layer written elsewhere).</summary>
    /// <param name="peer">The other party.</param>
    /// <param name="direction">Sent or received.</param>
    /// <param name="bytes">Payload bytes.</param>
    public void Record(int peer, TraceDirection direction, int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(peer);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            if (direction == TraceDirection.Sent)
            {
                _bytesSent += bytes;
                _messagesSent++;
            }
            else
            {
                _bytesReceived += bytes;
            }

            if (RecordEntries)
            {
                _entries.Add(new TraceEntry(_rounds, peer, direction, bytes));
            }
        }
    }
}
