using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Core;

namespace MpcSortition.Selection;

/// <summary>
/// The random tape a selection strategy reads: a sequence of uniformly distributed 64-bit words. A strategy's whole
/// output is a deterministic function of the problem and the words it reads, so two implementations (the plaintext
/// reference and the secure selector) that read the same tape return the same panel.
/// </summary>
public interface IRandomTape
{
    /// <summary>Returns the next word of the tape.</summary>
    /// <returns>A uniformly distributed 64-bit word.</returns>
    ulong NextUInt64();
}

/// <summary>
/// A random tape expanded from a 16-byte seed with <see cref="AesCtrPrg"/>: word i is the keystream bytes
/// [8i, 8i + 8) read little-endian. Buffered, not thread-safe; dispose to clear the key. Its static members are the
/// seeds (from text, derived per run) and the uniform draw shared by every strategy (and mirrored by the secure selector).
/// </summary>
public sealed class RandomTape : IRandomTape, IDisposable
{
    private const int BufferWords = 256;
    private readonly AesCtrPrg _prg;
    private readonly ulong[] _buffer = new ulong[BufferWords];
    private int _next = BufferWords;

    /// <summary>Creates the tape for a seed.</summary>
    /// <param name="seed">Exactly <see cref="AesCtrPrg.SeedSize"/> bytes.</param>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    public RandomTape(ReadOnlySpan<byte> seed)
    {
        _prg = new AesCtrPrg(seed);
    }

    /// <inheritdoc/>
    public ulong NextUInt64()
    {
        if (_next == BufferWords)
        {
            _prg.Fill(_buffer);
            _next = 0;
        }

        return _buffer[_next++];
    }

    /// <summary>Clears the buffered words and the cipher key.</summary>
    public void Dispose()
    {
        Array.Clear(_buffer);
        _next = BufferWords;
        _prg.Dispose();
    }

    /// <summary>Throws unless <paramref name="seed"/> has <see cref="AesCtrPrg.SeedSize"/> bytes (one message for every
    /// API that takes a seed).</summary>
    internal static void ThrowIfNotSeed(ReadOnlySpan<byte> seed, string name = "seed")
    {
        if (seed.Length != AesCtrPrg.SeedSize)
        {
            throw new ArgumentException($"A seed has {AesCtrPrg.SeedSize} bytes, not {seed.Length}.", name);
        }
    }

    /// <summary>Describes the tape without revealing the seed.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "RandomTape(AES-128-CTR)";

    private static ReadOnlySpan<byte> PanelLabel => "MpcSortition.Selection.panel"u8;

    private static ReadOnlySpan<byte> TextLabel => "MpcSortition.Selection.seed:"u8;

    /// <summary>
    /// Maps a tape word to a uniform integer in [0, <paramref name="count"/>) by multiply-shift:
    /// r = ⌊word · count / 2^64⌋ (the high 64 bits of the 128-bit product).
    /// </summary>
    /// <remarks>For a uniform word, each r ∈ [0, count) has probability ⌊2^64/count⌋/2^64 or ⌈2^64/count⌉/2^64,
    /// i.e. within 2^-64 of 1/count in absolute terms; the statistical distance from uniform is below count/2^64
    /// (&lt; 2^-32 for any int count). Monotone in the word, no rejection, so the secure version computes it with one
    /// product and a truncation.</remarks>
    /// <param name="word">A tape word.</param>
    /// <param name="count">The range size, at least 1.</param>
    /// <returns>An integer in [0, count).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static int Uniform(ulong word, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return (int)Math.BigMul(word, (ulong)count, out _);
    }

    /// <summary>
    /// Turns a user-supplied seed string into a 16-byte seed: exactly 32 hexadecimal digits are used as the bytes
    /// themselves; any other string s gives the first 16 bytes of SHA-256("MpcSortition.Selection.seed:" ‖ UTF-8(s)).
    /// </summary>
    /// <param name="seed">Any non-empty string.</param>
    /// <returns>A 16-byte seed.</returns>
    /// <exception cref="ArgumentException">The string is empty.</exception>
    public static byte[] SeedFromString(string seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(seed);
        if (seed.Length == 2 * AesCtrPrg.SeedSize && seed.All(Uri.IsHexDigit))
        {
            return Convert.FromHexString(seed);
        }

        byte[] text = Encoding.UTF8.GetBytes(seed);
        byte[] input = new byte[TextLabel.Length + text.Length];
        TextLabel.CopyTo(input);
        text.CopyTo(input, TextLabel.Length);
        return SHA256.HashData(input)[..AesCtrPrg.SeedSize];
    }

    /// <summary>Formats a 16-byte seed as the 32 hexadecimal digits that <see cref="SeedFromString"/> maps back to it.</summary>
    /// <param name="seed">A seed.</param>
    /// <returns>Lower-case hexadecimal.</returns>
    public static string ToHex(ReadOnlySpan<byte> seed) => Convert.ToHexString(seed).ToLower(CultureInfo.InvariantCulture);

    /// <summary>
    /// The seed of panel <paramref name="index"/> in a run of many panels: the first 16 bytes of
    /// SHA-256("MpcSortition.Selection.panel" ‖ seed ‖ index as 8 bytes little-endian). Each panel's tape therefore
    /// depends only on (seed, index), never on scheduling.
    /// </summary>
    /// <param name="seed">The run's 16-byte seed.</param>
    /// <param name="index">The panel's index.</param>
    /// <returns>A 16-byte seed.</returns>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    public static byte[] DeriveSeed(ReadOnlySpan<byte> seed, long index)
    {
        ThrowIfNotSeed(seed);

        Span<byte> input = stackalloc byte[PanelLabel.Length + AesCtrPrg.SeedSize + sizeof(long)];
        PanelLabel.CopyTo(input);
        seed.CopyTo(input[PanelLabel.Length..]);
        BinaryPrimitives.WriteInt64LittleEndian(input[(PanelLabel.Length + AesCtrPrg.SeedSize)..], index);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return hash[..AesCtrPrg.SeedSize].ToArray();
    }
}
