using System.Security.Cryptography;
using System.Text;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// Participation codes printed on invitation letters: 80 random bits as 16 Crockford base32 characters plus one check
/// character, shown in groups (<c>ABCD-EFGH-JKMN-PQRS-T</c>). Reading is forgiving (case, <c>I</c>/<c>L</c> for 1,
/// <c>O</c> for 0, hyphens and spaces ignored); the check character catches every single mistyped character and every
/// swap of two neighbouring characters. Providers never store a code, only its salted hash (<see cref="Hash"/>).
/// </summary>
/// <remarks>
/// The check character is a Reed–Solomon style check over GF(32): c = Σ αⁱ·dᵢ with α a primitive element of
/// GF(2⁵) (polynomial x⁵ + x² + 1). A single substitution changes c by αⁱ·e ≠ 0; swapping positions i and i+1 changes
/// it by αⁱ(1 + α)(a − b) ≠ 0. It uses the 32 ordinary symbols, so every code stays typable and URL-safe.
/// </remarks>
public static class InvitationCode
{
    /// <summary>Random bits per code.</summary>
    public const int Bits = 80;

    /// <summary>Characters of a code in canonical form (16 data characters and one check character).</summary>
    public const int Length = 17;

    private const int DataLength = 16;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly byte[] Exp = BuildExp();

    /// <summary>Draws a fresh code from <see cref="RandomNumberGenerator"/>.</summary>
    /// <returns>The code in canonical form (17 characters, no separators).</returns>
    public static string Generate()
    {
        Span<byte> random = stackalloc byte[Bits / 8];
        RandomNumberGenerator.Fill(random);
        Span<byte> digits = stackalloc byte[DataLength];
        for (int i = 0; i < DataLength; i++)
        {
            int bit = i * 5;
            int value = (random[bit / 8] << 8 | (bit / 8 + 1 < random.Length ? random[bit / 8 + 1] : 0)) >> (11 - bit % 8);
            digits[i] = (byte)(value & 31);
        }

        var chars = new char[Length];
        for (int i = 0; i < DataLength; i++)
        {
            chars[i] = Alphabet[digits[i]];
        }

        chars[DataLength] = Alphabet[Check(digits)];
        CryptographicOperations.ZeroMemory(random);
        return new string(chars);
    }

    /// <summary>The code in groups of four for printing: <c>ABCD-EFGH-JKMN-PQRS-T</c>.</summary>
    /// <param name="canonical">A code in canonical form.</param>
    /// <returns>The grouped form; <see cref="TryNormalize"/> reads it back.</returns>
    public static string Format(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        if (!TryNormalize(canonical, out string? code))
        {
            throw new ArgumentException("This is not a valid participation code.", nameof(canonical));
        }

        return $"{code[..4]}-{code[4..8]}-{code[8..12]}-{code[12..16]}-{code[16..]}";
    }

    /// <summary>
    /// Reads a typed code: ignores case, hyphens and spaces, reads <c>I</c> and <c>L</c> as 1 and <c>O</c> as 0, and checks
    /// the length and the check character.
    /// </summary>
    /// <param name="typed">What the volunteer typed or the letter's URL carried.</param>
    /// <param name="canonical">The canonical form (17 characters) when valid.</param>
    /// <returns>Whether the code is well formed and its check character matches.</returns>
    public static bool TryNormalize(string? typed, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? canonical)
    {
        canonical = null;
        if (typed is null || typed.Length > 64)
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[Length];
        int count = 0;
        foreach (char raw in typed)
        {
            if (raw is '-' or ' ')
            {
                continue;
            }

            int d = Digit(raw);
            if (d < 0 || count == Length)
            {
                return false;
            }

            digits[count++] = (byte)d;
        }

        if (count != Length || Check(digits[..DataLength]) != digits[DataLength])
        {
            return false;
        }

        var chars = new char[Length];
        for (int i = 0; i < Length; i++)
        {
            chars[i] = Alphabet[digits[i]];
        }

        canonical = new string(chars);
        return true;
    }

    /// <summary>Whether <paramref name="hash"/> is spelled as <see cref="Hash"/> writes a code hash (64 lower-case hex
    /// digits), the only spelling under which the records join can match it.</summary>
    internal static bool IsCodeHash(string? hash) => hash is { Length: 64 } && hash.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// The salted hash under which providers store and compare a code: HMAC-SHA-256 keyed with the round's public
    /// salt over "MpcSortition.code.v1" and the canonical code, as 64 lower-case hex digits. The same at all three
    /// providers (reconciliation matches on it); with 80 random bits per code, the hash does not let anyone who reads a
    /// provider's database find a valid code.
    /// </summary>
    /// <param name="salt">The round's salt (<see cref="SignupRound.CodeSalt"/>), at least 16 bytes.</param>
    /// <param name="canonicalCode">A code in canonical form.</param>
    /// <returns>64 hex digits.</returns>
    public static string Hash(ReadOnlySpan<byte> salt, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(canonicalCode);
        if (salt.Length < 16)
        {
            throw new ArgumentException("The code salt must be at least 16 bytes.", nameof(salt));
        }

        Span<byte> input = stackalloc byte[64];
        int n = Encoding.ASCII.GetBytes("MpcSortition.code.v1:", input);
        if (canonicalCode.Length != Length)
        {
            throw new ArgumentException("Pass the code in canonical form (17 characters).", nameof(canonicalCode));
        }

        n += Encoding.ASCII.GetBytes(canonicalCode, input[n..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(salt, input[..n], mac);
        return Convert.ToHexStringLower(mac);
    }

    private static int Digit(char c)
    {
        c = char.ToUpperInvariant(c);
        return c switch
        {
            'I' or 'L' => 1,
            'O' => 0,
            'U' => -1,
            _ => c < 128 ? Alphabet.IndexOf(c, StringComparison.Ordinal) : -1,
        };
    }

    private static byte Check(ReadOnlySpan<byte> digits)
    {
        int c = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            c ^= Multiply(Exp[i % 31], digits[i]);
        }

        return (byte)c;
    }

    private static int Multiply(int a, int b)
    {
        int result = 0;
        for (int i = 0; i < 5; i++)
        {
            if ((b >> i & 1) != 0)
            {
                result ^= a;
            }

            a <<= 1;
            if ((a & 32) != 0)
            {
                a ^= 0b100101; // x^5 + x^2 + 1
            }
        }

        return result;
    }

    private static byte[] BuildExp()
    {
        var exp = new byte[31];
        int x = 1;
        for (int i = 0; i < 31; i++)
        {
            exp[i] = (byte)x;
            x = Multiply(x, 2);
        }

        return exp;
    }
}
