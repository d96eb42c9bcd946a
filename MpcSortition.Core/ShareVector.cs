namespace MpcSortition.Core;

// Stryker disable Boolean : the only boolean literals here are the 'owned' argument, which the constructor discards, so true and false build the same vector (equivalent mutants, docs/testing.md)

/// <summary>
/// One party's additive shares of a vector of secrets in Z_2^32: the secrets are the element-wise sums
/// (mod 2^32) of the share vectors of all parties. Immutable; every operation returns a new vector.
/// </summary>
/// <remarks>
/// Linear operations are local: adding two share vectors of the same party gives that party's share of
/// the sum. A public constant is added by exactly one party, <see cref="AdditiveSharing.ConstantHolder"/>
/// (party 0); the others keep their shares, so the reconstructed value moves by the constant exactly once.
/// <para>A handle made by a three-party replicated engine may also carry, internally, the next party's share (the
/// <em>companion</em>: party i holds x_i and x_{i+1}, indices mod 3). <see cref="Values"/> is always this party's
/// additive share, so everything written against additive shares stays correct; the local operations here keep the
/// companion in step (a public constant goes into component 0, which party 0 holds as its own share and party 2 as
/// its companion), and a handle built from raw shares simply has none.</para>
/// <see cref="ToString"/> never shows the values.
/// </remarks>
public sealed class ShareVector
{
    /// <summary>The party that holds component 0 (where public constants go) as its companion in a replicated
    /// sharing among three parties: party 2, whose companion is component (2 + 1) mod 3.</summary>
    internal const int CompanionConstantHolder = 2;

    private readonly uint[] _values;
    private readonly uint[]? _next;

    /// <summary>Creates party <paramref name="partyIndex"/>'s share vector from a copy of <paramref name="values"/>.</summary>
    /// <param name="partyIndex">The party holding the shares (0-based).</param>
    /// <param name="values">The shares; copied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partyIndex"/> is negative.</exception>
    public ShareVector(int partyIndex, ReadOnlySpan<uint> values)
        : this(partyIndex, values.ToArray(), owned: true)
    {
    }

    internal ShareVector(int partyIndex, uint[] values, bool owned)
        : this(partyIndex, values, null)
    {
        _ = owned;
    }

    internal ShareVector(int partyIndex, uint[] values, uint[]? next)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        if (next is not null && next.Length != values.Length)
        {
            ThrowHelper.LengthMismatch(nameof(next), values.Length, next.Length);
        }

        PartyIndex = partyIndex;
        _values = values;
        _next = next;
    }

    /// <summary>The backing array, not copied: for engines in this solution that fill results in place.</summary>
    internal uint[] Array => _values;

    /// <summary>The companion (the next party's share, replicated engines only), not copied; null when absent.</summary>
    internal uint[]? Next => _next;

    /// <summary>Whether this handle carries the next party's share too (a replicated sharing among three parties).</summary>
    internal bool HasCompanion => _next is not null;

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
        uint[] result = GC.AllocateUninitializedArray<uint>(Length);
        Ring32.Add(_values, other._values, result);
        return new ShareVector(PartyIndex, result, Both(other, subtract: false));
    }

    /// <summary>Share of x − y, where this vector shares x and <paramref name="other"/> shares y.</summary>
    /// <param name="other">A share vector of the same party and length.</param>
    /// <returns>The share of the element-wise difference mod 2^32.</returns>
    public ShareVector Subtract(ShareVector other)
    {
        CheckCompatible(other);
        uint[] result = GC.AllocateUninitializedArray<uint>(Length);
        Ring32.Subtract(_values, other._values, result);
        return new ShareVector(PartyIndex, result, Both(other, subtract: true));
    }

    /// <summary>Share of −x mod 2^32.</summary>
    /// <returns>The negated shares.</returns>
    public ShareVector Negate()
    {
        uint[] result = GC.AllocateUninitializedArray<uint>(Length);
        Ring32.Negate(_values, result);
        uint[]? next = null;
        if (_next is not null)
        {
            next = GC.AllocateUninitializedArray<uint>(Length);
            Ring32.Negate(_next, next);
        }

        return new ShareVector(PartyIndex, result, next);
    }

    /// <summary>Share of c · x mod 2^32 for a public constant c (every party multiplies its own share).</summary>
    /// <param name="c">The public multiplier.</param>
    /// <returns>The scaled shares.</returns>
    public ShareVector MultiplyPublic(uint c)
    {
        uint[] result = GC.AllocateUninitializedArray<uint>(Length);
        Ring32.Multiply(_values, c, result);
        uint[]? next = null;
        if (_next is not null)
        {
            next = GC.AllocateUninitializedArray<uint>(Length);
            Ring32.Multiply(_next, c, next);
        }

        return new ShareVector(PartyIndex, result, next);
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

        uint[]? next = (uint[]?)_next?.Clone();
        if (next is not null && PartyIndex == CompanionConstantHolder)
        {
            Ring32.Add(next, c, next);
        }

        return new ShareVector(PartyIndex, result, next);
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

        uint[]? next = (uint[]?)_next?.Clone();
        if (next is not null && PartyIndex == CompanionConstantHolder)
        {
            Ring32.Add(next, c, next);
        }

        return new ShareVector(PartyIndex, result, next);
    }

    /// <summary>Share of c ∘ x mod 2^32 for a public vector c (every party multiplies its own share element-wise).</summary>
    /// <param name="c">The public multipliers; same length as this vector.</param>
    /// <returns>The scaled shares.</returns>
    public ShareVector MultiplyPublic(ReadOnlySpan<uint> c)
    {
        ThrowHelper.CheckSameLength<uint>(_values, c, nameof(c));
        uint[] result = GC.AllocateUninitializedArray<uint>(Length);
        Ring32.Multiply(_values, c, result);
        uint[]? next = null;
        if (_next is not null)
        {
            next = GC.AllocateUninitializedArray<uint>(Length);
            Ring32.Multiply(_next, c, next);
        }

        return new ShareVector(PartyIndex, result, next);
    }

    /// <summary>The shares of the values x[start .. start + length).</summary>
    /// <param name="start">First index.</param>
    /// <param name="length">Number of values.</param>
    /// <returns>A new vector (a copy).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the vector.</exception>
    public ShareVector Slice(int start, int length)
    {
        ThrowHelper.CheckRange(Length, start, length);
        return new ShareVector(PartyIndex, _values.AsSpan(start, length).ToArray(), _next?.AsSpan(start, length).ToArray());
    }

    /// <summary>The concatenation of share vectors of one party, in order.</summary>
    /// <param name="parts">At least one vector; all of the same party.</param>
    /// <returns>One vector holding the shares of all parts.</returns>
    /// <exception cref="ArgumentException">No part, or parts of different parties.</exception>
    public static ShareVector Concat(params ReadOnlySpan<ShareVector> parts)
    {
        if (parts.IsEmpty)
        {
            throw new ArgumentException("Give at least one vector to concatenate.", nameof(parts));
        }

        long total = 0;
        int party = parts[0]?.PartyIndex ?? throw new ArgumentNullException(nameof(parts));
        foreach (ShareVector p in parts)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parts));
            if (p.PartyIndex != party)
            {
                throw new ArgumentException($"Cannot concatenate party {party}'s shares with party {p.PartyIndex}'s.", nameof(parts));
            }

            total += p.Length;
        }

        uint[] result = GC.AllocateUninitializedArray<uint>(checked((int)total));
        bool companions = true;
        foreach (ShareVector p in parts)
        {
            companions &= p._next is not null;
        }

        uint[]? next = companions ? GC.AllocateUninitializedArray<uint>(result.Length) : null;
        int at = 0;
        foreach (ShareVector p in parts)
        {
            p._values.CopyTo(result, at);
            if (next is not null)
            {
                p._next!.CopyTo(next, at);
            }

            at += p.Length;
        }

        return new ShareVector(party, result, next);
    }

    /// <summary>Party <paramref name="partyIndex"/>'s share of a trivial sharing of public values: the constant holder
    /// (party 0) holds the values, every other party holds zeros.</summary>
    /// <param name="partyIndex">The party whose share is made.</param>
    /// <param name="values">The public values, the same at every party.</param>
    /// <returns>The share.</returns>
    public static ShareVector Public(int partyIndex, ReadOnlySpan<uint> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        return new ShareVector(partyIndex, partyIndex == AdditiveSharing.ConstantHolder ? values.ToArray() : new uint[values.Length], owned: true);
    }

    /// <summary>Wraps an array without copying it (the caller gives up the array).</summary>
    internal static ShareVector Own(int partyIndex, uint[] values) => new(partyIndex, values, owned: true);

    /// <summary>Wraps this party's share and the next party's share (a replicated sharing among three parties)
    /// without copying them.</summary>
    internal static ShareVector Own(int partyIndex, uint[] values, uint[]? next) => new(partyIndex, values, next);

    /// <summary>A trivial replicated sharing of public values among three parties: party 0 holds them as its share,
    /// party 2 as its companion, everything else is zero.</summary>
    internal static ShareVector PublicReplicated(int partyIndex, ReadOnlySpan<uint> values) =>
        new(partyIndex, partyIndex == AdditiveSharing.ConstantHolder ? values.ToArray() : new uint[values.Length], partyIndex == CompanionConstantHolder ? values.ToArray() : new uint[values.Length]);

    /// <summary>Describes the vector (party and length) without showing any share.</summary>
    /// <returns>For example <c>ShareVector(party 1, length 20)</c>.</returns>
    public override string ToString() => $"ShareVector(party {PartyIndex}, length {Length})";

    /// <summary>The companion of a binary operation: present only if both operands carry one.</summary>
    private uint[]? Both(ShareVector other, bool subtract)
    {
        if (_next is null || other._next is null)
        {
            return null;
        }

        var next = GC.AllocateUninitializedArray<uint>(Length);
        if (subtract)
        {
            Ring32.Subtract(_next, other._next, next);
        }
        else
        {
            Ring32.Add(_next, other._next, next);
        }

        return next;
    }

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
