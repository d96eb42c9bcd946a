using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// Where the secure selector gets its tape words: 64 shared bits per word (bit b of the packed vector at word t is
/// bit b mod 64 of word t). The secure strategies read exactly k words per attempt, like the reference.
/// </summary>
/// <remarks>Implementable in another assembly (see tests/MpcSortition.Extensibility.Tests): every party's instance must
/// return shares of the same words, and only through the black box's own operations (for example
/// <c>RandomBits</c>, or <c>PublicBits</c> for public words), so that the words' secrecy is what the implementation
/// says. <see cref="SecureSelector"/> checks that it returns 64·k bits of the calling party.</remarks>
public interface ISharedTape
{
    /// <summary>The next <paramref name="count"/> words as 64·count shared bits. Every party calls this in the same order.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="count">Number of words.</param>
    /// <returns>64·count shared bits.</returns>
    BitShareVector NextWords(IArithmeticBlackBox abb, int count);
}

/// <summary>
/// Jointly random words (<see cref="IArithmeticBlackBox.RandomBits"/>): no provider knows them, and each is uniform as
/// long as one provider is honest. The default, and the only choice for a real selection.
/// </summary>
public sealed class JointRandomTape : ISharedTape
{
    /// <summary>The single instance (the tape has no state of its own).</summary>
    public static JointRandomTape Instance { get; } = new();

    /// <inheritdoc/>
    public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return abb.RandomBits(checked(64 * count));
    }
}

/// <summary>
/// Words of a public plaintext tape (for example <see cref="RandomTape"/> of a published seed), trivially shared: the
/// selection is then reproducible by anyone who knows the seed, and the secure selector returns exactly the panel the
/// reference returns for that seed. The words are public to every provider (only the pool stays secret): use this for
/// audits, demonstrations and tests, not when the randomness must stay hidden.
/// </summary>
/// <remarks>Every party must hold a tape with the same words; the object is not thread-safe.</remarks>
/// <param name="tape">The plaintext tape.</param>
public sealed class PublicTape(IRandomTape tape) : ISharedTape
{
    private readonly IRandomTape _tape = tape ?? throw new ArgumentNullException(nameof(tape));

    /// <inheritdoc/>
    public BitShareVector NextWords(IArithmeticBlackBox abb, int count)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var words = new ulong[count];
        for (int t = 0; t < count; t++)
        {
            words[t] = _tape.NextUInt64();
        }

        return abb.PublicBits(words, 64 * count);
    }

    /// <summary>Describes the tape without its words.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "PublicTape";
}
