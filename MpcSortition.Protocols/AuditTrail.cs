namespace MpcSortition.Protocols;

/// <summary>Which kind of shared value was opened.</summary>
public enum ShareDomain
{
    /// <summary>Additive shares over Z_2^32.</summary>
    Arithmetic,

    /// <summary>XOR shares of packed bits.</summary>
    Boolean,
}

/// <summary>One opening: what was revealed (by label and size), to whom, and in which round. Never the values.</summary>
/// <param name="Sequence">0-based position in the trail.</param>
/// <param name="Label">The caller's label, for example <c>"beaver: masked d, e"</c> or <c>"panel"</c>.</param>
/// <param name="Domain">Arithmetic or boolean.</param>
/// <param name="Length">Number of opened elements (ring elements, or bits for boolean opens).</param>
/// <param name="Recipient">The party that learned the values, or null when all parties did.</param>
/// <param name="Round">The communication round of the opening (see <see cref="TransportTrace.Rounds"/>).</param>
public readonly record struct AuditEntry(long Sequence, string Label, ShareDomain Domain, int Length, int? Recipient, long Round);

/// <summary>
/// The list of every value this party's black box opened, each with a label. Tests read it to check that a protocol
/// opens only what it must (Beaver-masked values and the declared outputs). Thread-safe.
/// </summary>
public sealed class AuditTrail
{
    private readonly object _gate = new();
    private readonly List<AuditEntry> _entries = [];

    /// <summary>A snapshot of the entries in the order the openings happened.</summary>
    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    /// <summary>Number of openings recorded.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Forgets all entries.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    /// <summary>Records one opening. The library's engine calls this before every opening; an
    /// <see cref="IArithmeticBlackBox"/> written elsewhere must do the same so that its openings can be audited.</summary>
    /// <param name="label">What is opened and why; non-empty.</param>
    /// <param name="domain">Arithmetic values or bits.</param>
    /// <param name="length">Number of values or bits opened.</param>
    /// <param name="recipient">The one party that learns them, or null for every party.</param>
    /// <param name="round">The round in which the opening is sent.</param>
    public void Record(string label, ShareDomain domain, int length, int? recipient, long round)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        lock (_gate)
        {
            _entries.Add(new AuditEntry(_entries.Count, label, domain, length, recipient, round));
        }
    }
}
