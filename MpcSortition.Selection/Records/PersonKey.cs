using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Core;

namespace MpcSortition.Selection.Records;

/// <summary>
/// The identifier of a person for matching under MPC when there is no invitation code: a documented normalisation of
/// full name and full address, hashed to 64 bits with the round's public salt, and split into two 32-bit words that are
/// secret-shared. The tax office computes it for every record, the sign-up page (or any contributor) for a volunteer;
/// the providers only ever hold shares of it and compare them under MPC.
/// </summary>
/// <remarks>
/// <para><b>Normalisation</b> (<see cref="Normalise"/>), applied to the name and to the address separately:</para>
/// <list type="number">
/// <item>Unicode compatibility decomposition (NFKD) and removal of the combining marks, so "Müller", "Muller" and
/// "MÜLLER" agree; letters without a decomposition are spelled out: ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ → d, þ → th.</item>
/// <item>Lower case (invariant culture).</item>
/// <item>Every character that is not a letter or a digit (hyphens, commas, full stops, apostrophes, slashes) becomes a
/// space; runs of white space become one space; leading and trailing space is dropped.</item>
/// <item>House numbers: a number followed by a single letter, with or without a space or hyphen between them, is written
/// without the space ("12a", "12 A" and "12-A" all become "12a"). A single letter after a number is always read as
/// part of the number (so "12 a street" becomes "12a street": rare in practice, documented).</item>
/// </list>
/// <para>Not normalised: abbreviations ("Str." vs "Straße", "Rd" vs "Road"), word order, titles, transliterations
/// between scripts. Both sides must spell them alike; a person whose spellings differ is matched to nothing and gets
/// the value "unknown".</para>
/// <para><b>Hash.</b> HMAC-SHA-256 keyed with the round's public salt (the invitation codes' salt) over
/// <c>"MpcSortition.person.v1\n" ‖ name ‖ "\n" ‖ address</c> (normalised, UTF-8), first 8 bytes big-endian. The two
/// words are the high and low 32 bits. A collision between two different people among n sign-ups and N records has
/// probability below n·N / 2^64 (about 10^-12 for 1 000 × 20 000).</para>
/// <para><b>What the hash protects, and what not.</b> Names and addresses of a town are easy to enumerate, so a 64-bit
/// hash of them in the clear would be reversed by a dictionary attack whatever the key, because the salt is public
/// (every contributor needs it). The protection is that the providers never see the hash: each holds one additive
/// share of each word, which alone is uniformly random, and nothing derived from it is opened. The round salt only
/// keeps hashes of different rounds unlinkable and rules out tables computed in advance, should shares ever be
/// combined (two colluding providers, outside the security model).</para>
/// </remarks>
public static class PersonKey
{
    private const string Domain = "MpcSortition.person.v1\n";

    /// <summary>The normalised form of one field (a full name or a full address), as described in the remarks.</summary>
    /// <param name="text">The field as written.</param>
    /// <returns>Lower-case letters and digits separated by single spaces.</returns>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string decomposed = text.Normalize(NormalizationForm.FormKD);
        var plain = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            char lower = char.ToLowerInvariant(c);
            string? spelled = lower switch
            {
                'ß' => "ss",
                'æ' => "ae",
                'œ' => "oe",
                'ø' => "o",
                'ł' => "l",
                'đ' => "d",
                'þ' => "th",
                _ => null,
            };
            if (spelled is not null)
            {
                plain.Append(spelled);
            }
            else
            {
                plain.Append(char.IsLetterOrDigit(lower) ? lower : ' ');
            }
        }

        string[] words = plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = new StringBuilder(plain.Length);
        for (int i = 0; i < words.Length; i++)
        {
            // "12 a" → "12a": a single letter right after a word ending in a digit joins it.
            bool houseLetter = i > 0 && words[i].Length == 1 && char.IsLetter(words[i][0]) && char.IsDigit(words[i - 1][^1]);
            if (i > 0 && !houseLetter)
            {
                result.Append(' ');
            }

            result.Append(words[i]);
        }

        return result.ToString();
    }

    /// <summary>The 64-bit key of a person (see the remarks).</summary>
    /// <param name="salt">The round's public salt (<c>SignupRound.CodeSalt</c>), at least 16 bytes.</param>
    /// <param name="name">The full name as written.</param>
    /// <param name="address">The full address as written.</param>
    /// <returns>The key. SECRET: a key of a known town can be reversed by trying names and addresses; share it, never
    /// store or send it in the clear.</returns>
    /// <exception cref="ArgumentException">The salt is shorter than 16 bytes, or the name or address is empty after normalisation.</exception>
    public static ulong Compute(ReadOnlySpan<byte> salt, string name, string address)
    {
        if (salt.Length < 16)
        {
            throw new ArgumentException("The salt must be at least 16 bytes.", nameof(salt));
        }

        string n = Normalise(name), a = Normalise(address);
        if (n.Length == 0)
        {
            throw new ArgumentException("The name is empty after normalisation.", nameof(name));
        }

        if (a.Length == 0)
        {
            throw new ArgumentException("The address is empty after normalisation.", nameof(address));
        }

        byte[] input = Encoding.UTF8.GetBytes(Domain + n + "\n" + a);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(salt, input, mac);
        CryptographicOperations.ZeroMemory(input);
        ulong key = BinaryPrimitives.ReadUInt64BigEndian(mac);
        mac.Clear();
        return key;
    }

    /// <summary>The two 32-bit words of a key: high word first.</summary>
    /// <param name="key">The key.</param>
    /// <returns>(high 32 bits, low 32 bits).</returns>
    public static (uint High, uint Low) Words(ulong key) => ((uint)(key >> 32), (uint)key);

    /// <summary>Contributor side: the key of one person, split into three additive sharings of its two words.</summary>
    /// <param name="salt">The round's public salt.</param>
    /// <param name="name">The full name as written.</param>
    /// <param name="address">The full address as written.</param>
    /// <returns>Three arrays of two words (high, low); array i goes to provider i only.</returns>
    /// <exception cref="ArgumentException">As <see cref="Compute"/>.</exception>
    public static uint[][] Share(ReadOnlySpan<byte> salt, string name, string address)
    {
        (uint high, uint low) = Words(Compute(salt, name, address));
        uint[] words = [high, low];
        ShareVector[] shares = AdditiveSharing.Split(words, 3);
        Array.Clear(words);
        return shares.Select(s => s.Values.ToArray()).ToArray();
    }
}
