namespace MpcSortition.Core;

/// <summary>
/// One party's additive shares of a vector of secrets in Z_2^32: the secrets are the element-wise sums
/// (mod 2^32) of the share vectors of all parties. Immutable; every operation returns a new vector.
/// </summary>
/// <remarks>
/// Linear operations are local: adding two share vectors of the same party gives that party's share of
/// the sum. A public constant is added by exactly one party, <see cref="AdditiveSharing.ConstantHolder"/>
/// (party 0); the others keep their shares, so the reconstructed value moves by the constant exactly once.
/// <see cref="ToString"/> never shows the values.
/// </remarks>
public sealed class ShareVector
{
    private readonly uint[] _values;

    /// <summary>Creates party <paramref name="partyIndex"/>'s share vector from a copy of <paramref name="values"/>.</summary>
    /// <param name="partyIndex">The party holding the shares (0-based).</param>
    /// <param name="values">The shares; copied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partyIndex"/> is negative.</exception>
    public ShareVector(int partyIndex, ReadOnlySpan<uint> values)
        : this(partyIndex, values.ToArray(), owned: true)
    {
    }

    internal ShareVector(int partyIndex, uint[] values, bool owned)
    {
        _ = owned;
        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        PartyIndex = partyIndex;
        _values = values;
    }

    /// <summary>The 0-based index of the party that holds these shares.</summary>
    public int PartyIndex { get; }

    /// <summary>Number of shared values.</summary>
    public int Length => _values.Length;

    /// <summary>The raw shares (read-only). One share alone is uniformly random and says nothing of the secret.</summary>
    public ReadOnlySpan<uint> Values => _values;

    /// <summary>A share vector of <paramref name="length"/> zeros: every party's share of the all-zero vector.</summary>
    /// <param name="partyIndex">The holder.</param>
    /// <param name="length">Number of values.</param>
    /// <returns>The zero vector.</returns>
    public static ShareVector Zeros(int partyIndex, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new ShareVector(partyIndex, new uint[length], owned: true);
    }

    /// <summary>Share of x + y, where this vector shares x and <paramref name="other"/> shares y.</summary>
    /// <param name="other">A share vector of the same party and length.</param>
    /// <returns>The share of the element-wise sum mod 2^32.</returns>
    public ShareVector Add(ShareVector other)
    {
        CheckCompatible(other);
        var result = new uint[Length];
        Ring32.Add(_values, other._values, result);
        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Share of x − y, where this vector shares x and <paramref name="other"/> shares y.</summary>
    /// <param name="other">A share vector of the same party and length.</param>
    /// <returns>The share of the element-wise difference mod 2^32.</returns>
    public ShareVector Subtract(ShareVector other)
    {
        CheckCompatible(other);
        var result = new uint[Length];
        Ring32.Subtract(_values, other._values, result);
        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Share of −x mod 2^32.</summary>
    /// <returns>The negated shares.</returns>
    public ShareVector Negate()
    {
        var result = new uint[Length];
        Ring32.Negate(_values, result);
        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Share of c · x mod 2^32 for a public constant c (every party multiplies its own share).</summary>
    /// <param name="c">The public multiplier.</param>
    /// <returns>The scaled shares.</returns>
    public ShareVector MultiplyPublic(uint c)
    {
        var result = new uint[Length];
        Ring32.Multiply(_values, c, result);
        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Share of x + c mod 2^32 for a public constant c: party 0 adds c, the others copy their shares.</summary>
    /// <param name="c">The public constant.</param>
    /// <returns>The shifted shares.</returns>
    public ShareVector AddPublic(uint c)
    {
        var result = (uint[])_values.Clone();
        if (PartyIndex == AdditiveSharing.ConstantHolder)
        {
            Ring32.Add(result, c, result);
        }

        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Share of x + c mod 2^32 for a public vector c: party 0 adds c, the others copy their shares.</summary>
    /// <param name="c">The public vector; same length as this one.</param>
    /// <returns>The shifted shares.</returns>
    public ShareVector AddPublic(ReadOnlySpan<uint> c)
    {
        ThrowHelper.CheckSameLength<uint>(_values, c, nameof(c));
        var result = (uint[])_values.Clone();
        if (PartyIndex == AdditiveSharing.ConstantHolder)
        {
            Ring32.Add(result, c, result);
        }

        return new ShareVector(PartyIndex, result, owned: true);
    }

    /// <summary>Describes the vector (party and length) without showing any share.</summary>
    /// <returns>For example <c>ShareVector(party 1, length 20)</c>.</returns>
    public override string ToString() => $"ShareVector(party {PartyIndex}, length {Length})";

    private void CheckCompatible(ShareVector other, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(other))] string paramName = "other")
    {
        ArgumentNullException.ThrowIfNull(other, paramName);
        if (other.PartyIndex != PartyIndex)
        {
            throw new ArgumentException($"Cannot combine party {PartyIndex}'s shares with party {other.PartyIndex}'s.", paramName);
        }

        if (other.Length != Length)
        {
            ThrowHelper.LengthMismatch(paramName, Length, other.Length);
        }
    }
}
