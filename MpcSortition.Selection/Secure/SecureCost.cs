using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// One party's communication counters: rounds, bytes sent, and the number of multiplications and AND gates, read
/// from the black box's <see cref="IArithmeticBlackBox.Trace"/> and <see cref="IArithmeticBlackBox.Audit"/> (a
/// multiplication opens two masked values under <see cref="SemiHonestBlackBox.BeaverOpenLabel"/>, an AND gate two
/// masked bits under <see cref="SemiHonestBlackBox.AndOpenLabel"/>; other black boxes count 0 for both).
/// </summary>
/// <param name="Rounds">Communication rounds.</param>
/// <param name="BytesSent">Bytes this party sent (to all peers).</param>
/// <param name="Multiplications">Beaver multiplications.</param>
/// <param name="AndGates">AND gates.</param>
public readonly record struct SecureCost(long Rounds, long BytesSent, long Multiplications, long AndGates)
{
    /// <summary>The counters of <paramref name="abb"/> so far.</summary>
    /// <param name="abb">A black box.</param>
    /// <returns>The counters.</returns>
    public static SecureCost Of(IArithmeticBlackBox abb)
    {
        ArgumentNullException.ThrowIfNull(abb);
        long multiplications = 0, ands = 0;
        foreach (AuditEntry e in abb.Audit.Entries)
        {
            if (e.Label == SemiHonestBlackBox.BeaverOpenLabel)
            {
                multiplications += e.Length / 2;
            }
            else if (e.Label == SemiHonestBlackBox.AndOpenLabel)
            {
                ands += e.Length / 2;
            }
        }

        return new SecureCost(abb.Trace.Rounds, abb.Trace.BytesSent, multiplications, ands);
    }

    /// <summary>The difference of two snapshots.</summary>
    /// <param name="after">The later snapshot.</param>
    /// <param name="before">The earlier snapshot.</param>
    /// <returns>The counters between them.</returns>
    public static SecureCost operator -(SecureCost after, SecureCost before) =>
        new(after.Rounds - before.Rounds, after.BytesSent - before.BytesSent, after.Multiplications - before.Multiplications, after.AndGates - before.AndGates);

    /// <summary>The counters divided by <paramref name="parts"/> (for example per attempt), rounded down.</summary>
    /// <param name="parts">At least 1.</param>
    /// <returns>The averages.</returns>
    public SecureCost Per(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        return new(Rounds / parts, BytesSent / parts, Multiplications / parts, AndGates / parts);
    }
}
