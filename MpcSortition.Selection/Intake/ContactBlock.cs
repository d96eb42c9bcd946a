using System.Security.Cryptography;
using System.Text;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// The fixed-length contact block: each contact field's text as UTF-8, padded with zero bytes to the field's fixed
/// length, fields in the round's order. Its length is public (<see cref="SignupRound.ContactBlockLength"/>), so a block
/// says nothing about how long a name or an address is. The block travels XOR-shared: each provider gets one share.
/// </summary>
public static class ContactBlock
{
    /// <summary>Encodes the contact fields' values into one block.</summary>
    /// <param name="round">The round (field order and lengths).</param>
    /// <param name="values">One value per contact field, in the round's order.</param>
    /// <returns><see cref="SignupRound.ContactBlockLength"/> bytes.</returns>
    /// <exception cref="ArgumentException">Wrong number of values, a value containing a NUL or control character, or a value
    /// longer than its field in UTF-8; the message names the field.</exception>
    public static byte[] Encode(SignupRound round, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != round.ContactFields.Count)
        {
            throw new ArgumentException($"Give {round.ContactFields.Count} contact values, one per field; got {values.Count}.", nameof(values));
        }

        var block = new byte[round.ContactBlockLength];
        int offset = 0;
        for (int f = 0; f < values.Count; f++)
        {
            ContactField field = round.ContactFields[f];
            string value = values[f] ?? string.Empty;
            if (value.Any(char.IsControl))
            {
                throw new ArgumentException($"The {field.Label} contains a control character.", nameof(values));
            }

            int count = Encoding.UTF8.GetByteCount(value);
            if (count > field.Bytes)
            {
                throw new ArgumentException($"The {field.Label} is too long: {count} bytes in UTF-8, at most {field.Bytes}.", nameof(values));
            }

            Encoding.UTF8.GetBytes(value, block.AsSpan(offset, field.Bytes));
            offset += field.Bytes;
        }

        return block;
    }

    /// <summary>Decodes a block into its fields' texts (trailing zero bytes removed).</summary>
    /// <param name="round">The round.</param>
    /// <param name="block">A block of <see cref="SignupRound.ContactBlockLength"/> bytes.</param>
    /// <returns>One text per field; invalid UTF-8 is replaced by U+FFFD.</returns>
    public static string[] Decode(SignupRound round, ReadOnlySpan<byte> block)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (block.Length != round.ContactBlockLength)
        {
            throw new ArgumentException($"A contact block of this round is {round.ContactBlockLength} bytes; got {block.Length}.", nameof(block));
        }

        var result = new string[round.ContactFields.Count];
        int offset = 0;
        for (int f = 0; f < result.Length; f++)
        {
            ReadOnlySpan<byte> field = block.Slice(offset, round.ContactFields[f].Bytes);
            int end = field.IndexOf((byte)0);
            result[f] = Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
            offset += round.ContactFields[f].Bytes;
        }

        return result;
    }

    /// <summary>Splits a block into three XOR shares: two uniformly random, the third the XOR of the block and both.</summary>
    /// <param name="block">The block.</param>
    /// <returns>Three shares of the same length; their XOR is the block.</returns>
    public static byte[][] Split(ReadOnlySpan<byte> block)
    {
        byte[] s1 = RandomNumberGenerator.GetBytes(block.Length);
        byte[] s2 = RandomNumberGenerator.GetBytes(block.Length);
        var s0 = new byte[block.Length];
        for (int i = 0; i < block.Length; i++)
        {
            s0[i] = (byte)(block[i] ^ s1[i] ^ s2[i]);
        }

        return [s0, s1, s2];
    }

    /// <summary>XORs shares back into the block.</summary>
    /// <param name="shares">Shares of equal length.</param>
    /// <returns>The block.</returns>
    public static byte[] Combine(params ReadOnlySpan<byte[]> shares)
    {
        if (shares.Length == 0)
        {
            throw new ArgumentException("Give at least one share.", nameof(shares));
        }

        var block = new byte[shares[0].Length];
        foreach (byte[] share in shares)
        {
            if (share.Length != block.Length)
            {
                throw new ArgumentException("The shares differ in length.", nameof(shares));
            }

            for (int i = 0; i < block.Length; i++)
            {
                block[i] ^= share[i];
            }
        }

        return block;
    }
}
