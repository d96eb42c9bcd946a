using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// A handle to a vector of secret values in Z_2^32 inside an <see cref="IArithmeticBlackBox"/>: it holds this
/// party's additive shares. The secret is the sum mod 2^32 of all parties' shares. Immutable.
/// </summary>
/// <remarks><see cref="ToString"/> shows the party and length only, never a share.</remarks>
public sealed class SharedVector
{
    internal SharedVector(int partyIndex, uint[] shares)
    {
        PartyIndex = partyIndex;
        Data = shares;
    }

    /// <summary>The party holding these shares.</summary>
    public int PartyIndex { get; }

    /// <summary>Number of secret values.</summary>
    public int Length => Data.Length;

    /// <summary>This party's shares (read-only). Alone they are uniformly random and reveal nothing.</summary>
    public ReadOnlySpan<uint> Shares => Data;

    internal uint[] Data { get; }

    /// <summary>Copies this party's shares into a Core <see cref="ShareVector"/> (for storage or hand-over).</summary>
    /// <returns>A new share vector of the same party.</returns>
    public ShareVector ToShareVector() => new(PartyIndex, Data);

    /// <summary>Describes the handle without showing any share.</summary>
    /// <returns>For example <c>SharedVector(party 1, length 20)</c>.</returns>
    public override string ToString() => $"SharedVector(party {PartyIndex}, length {Length})";
}

/// <summary>
/// A handle to a vector of secret bits inside an <see cref="IArithmeticBlackBox"/>: this party's XOR shares,
/// packed 64 per <see cref="ulong"/> (bit j is bit j mod 64 of word j / 64). Bits past <see cref="BitLength"/> are
/// zero. Immutable.
/// </summary>
/// <remarks><see cref="ToString"/> shows the party and length only, never a share.</remarks>
public sealed class SharedBits
{
    internal SharedBits(int partyIndex, int bitLength, ulong[] words)
    {
        PartyIndex = partyIndex;
        BitLength = bitLength;
        Words = words;
    }

    /// <summary>The party holding these shares.</summary>
    public int PartyIndex { get; }

    /// <summary>Number of secret bits.</summary>
    public int BitLength { get; }

    /// <summary>This party's packed shares (read-only), ⌈BitLength/64⌉ words.</summary>
    public ReadOnlySpan<ulong> Shares => Words;

    internal ulong[] Words { get; }

    /// <summary>Copies this party's shares into a Core <see cref="BitShareVector"/>.</summary>
    /// <returns>A new bit share vector of the same party.</returns>
    public BitShareVector ToBitShareVector() => new(PartyIndex, BitLength, Words);

    /// <summary>Describes the handle without showing any share.</summary>
    /// <returns>For example <c>SharedBits(party 2, 128 bits)</c>.</returns>
    public override string ToString() => $"SharedBits(party {PartyIndex}, {BitLength} bits)";
}
