using System.Globalization;
using System.Text;
using CsvHelper;
using MpcSortition.Core;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Selection.Records;

/// <summary>
/// The tax office's records of the invited citizens, in the clear, at the tax office only: per record an identifier
/// (the invitation code of the person's letter, stored as the intake's salted code hash, and/or the person's
/// <see cref="PersonKey"/>) and whole-number attributes (income first, then any further numeric columns).
/// <see cref="Share"/> is the contributor step: it splits the secret parts into one <see cref="RecordShares"/> per
/// provider, which <see cref="RecordShareFile"/> writes.
/// </summary>
/// <remarks>
/// <para><b>CSV</b> (UTF-8, comma-separated, a header row, RFC 4180 quoting so that addresses may hold commas): the
/// columns <c>code</c> (an invitation code, any spelling <see cref="InvitationCode.TryNormalize"/> accepts) and/or both
/// <c>name</c> and <c>address</c> (full name and full address), then <c>income</c> (whole currency units), then any
/// further numeric attribute columns. Header names are matched ignoring case and surrounding white space; the column
/// order is free. Every value of a numeric column is a whole number 0 … 2 147 483 647 (2^31 − 1, so that comparisons
/// with public thresholds are exact).</para>
/// <para>Refused with <see cref="SelectionInputException"/>, every problem named by file:line:column (up to 100):
/// a missing or repeated column, a row with another number of fields, a blank or malformed code, a name or address that
/// is empty after normalisation, a number that is blank, not whole, negative or too large, and a duplicate identifier
/// (the same code, or the same name and address after normalisation: "… also on line 7"). Error messages never quote
/// a code, a name or an address; they may quote a malformed number.</para>
/// </remarks>
public sealed class TaxRecords
{
    /// <summary>The largest attribute value accepted (2^31 − 1).</summary>
    public const long MaxValue = int.MaxValue;

    /// <summary>The most records a file may hold.</summary>
    public const int MaxRecords = 10_000_000;

    /// <summary>The most attribute columns a file may hold.</summary>
    public const int MaxAttributes = 64;

    private const int MaxProblems = 100;

    private readonly byte[] _roundId;
    private readonly string[]? _codeHashes;
    private readonly ulong[]? _keys;
    private readonly uint[] _values;

    private TaxRecords(byte[] roundId, string[] attributeNames, string[]? codeHashes, ulong[]? keys, uint[] values, int count)
    {
        _roundId = roundId;
        AttributeNames = attributeNames;
        _codeHashes = codeHashes;
        _keys = keys;
        _values = values;
        Count = count;
    }

    /// <summary>The sign-up round the records are for (16 bytes, as hex).</summary>
    public string RoundId => Convert.ToHexStringLower(_roundId);

    /// <summary>The attribute columns in order; the first is <c>income</c>.</summary>
    public IReadOnlyList<string> AttributeNames { get; }

    /// <summary>The number of records N.</summary>
    public int Count { get; }

    /// <summary>Whether the records carry invitation code hashes (a <c>code</c> column).</summary>
    public bool HasCodes => _codeHashes is not null;

    /// <summary>Whether the records carry person keys (<c>name</c> and <c>address</c> columns).</summary>
    public bool HasPersonKeys => _keys is not null;

    /// <summary>Testing and the plaintext reference: record i's code hash, or null without codes.</summary>
    /// <param name="record">The record index.</param>
    /// <returns>64 lower-case hex digits, or null.</returns>
    public string? CodeHashOf(int record) => _codeHashes?[record];

    /// <summary>Testing and the plaintext reference: record i's person key, or null without keys. SECRET.</summary>
    /// <param name="record">The record index.</param>
    /// <returns>The key, or null.</returns>
    public ulong? PersonKeyOf(int record) => _keys?[record];

    /// <summary>Testing and the plaintext reference: record i's value of attribute a. SECRET.</summary>
    /// <param name="record">The record index.</param>
    /// <param name="attribute">The attribute index.</param>
    /// <returns>The value.</returns>
    public uint ValueOf(int record, int attribute) => _values[(record * AttributeNames.Count) + attribute];

    /// <summary>Reads the tax office's CSV file for a sign-up round (its id and salt).</summary>
    /// <param name="path">The file.</param>
    /// <param name="round">The sign-up round whose invitations the records belong to.</param>
    /// <returns>The records.</returns>
    /// <exception cref="SelectionInputException">The file cannot be read or is refused (file:line:column for each problem).</exception>
    public static TaxRecords Read(string path, SignupRound round)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(round);
        StreamReader reader;
        try
        {
            reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SelectionInputException([new InputProblem(path, 0, 0, null, $"cannot open the file ({e.GetType().Name}: {e.Message})")]);
        }

        using (reader)
        {
            try
            {
                return Parse(reader, path, Convert.FromHexString(round.RoundId), round.CodeSalt);
            }
            catch (DecoderFallbackException)
            {
                throw new SelectionInputException([new InputProblem(path, 0, 0, null, "the file is not valid UTF-8")]);
            }
            catch (IOException e)
            {
                throw new SelectionInputException([new InputProblem(path, 0, 0, null, $"cannot read the file ({e.Message})")]);
            }
        }
    }

    /// <summary>Parses the tax office's CSV (see the remarks).</summary>
    /// <param name="reader">The text (left open).</param>
    /// <param name="fileName">The name used in messages.</param>
    /// <param name="roundId">The sign-up round's 16-byte id.</param>
    /// <param name="salt">The round's public salt (the invitation codes' salt, also the person keys').</param>
    /// <returns>The records.</returns>
    /// <exception cref="SelectionInputException">The text is refused (file:line:column for each problem).</exception>
    /// <exception cref="ArgumentException">The round id is not 16 bytes or the salt shorter than 16 bytes.</exception>
    public static TaxRecords Parse(TextReader reader, string fileName, ReadOnlySpan<byte> roundId, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);
        if (roundId.Length != 16)
        {
            throw new ArgumentException("The round id has 16 bytes.", nameof(roundId));
        }

        if (salt.Length < 16)
        {
            throw new ArgumentException("The salt must be at least 16 bytes.", nameof(salt));
        }

        var problems = new List<InputProblem>();
        List<(int Line, string[] Fields)> rows = ReadRows(reader, fileName, problems);
        if (rows.Count == 0)
        {
            throw new SelectionInputException([new InputProblem(fileName, 0, 0, null, "the file is empty (a header row is needed: code and/or name,address, then income and any further numeric columns)")]);
        }

        (int headerLine, string[] header) = rows[0];
        string[] names = header.Select(h => h.Trim().TrimStart('\uFEFF').Trim().ToLowerInvariant()).ToArray();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++)
        {
            if (names[c].Length == 0)
            {
                problems.Add(new InputProblem(fileName, headerLine, c + 1, null, "a column has no name"));
            }
            else if (!seen.TryAdd(names[c], c))
            {
                problems.Add(new InputProblem(fileName, headerLine, c + 1, names[c], $"the column '{names[c]}' appears twice (also column {seen[names[c]] + 1})"));
            }
        }

        int code = seen.GetValueOrDefault("code", -1), name = seen.GetValueOrDefault("name", -1), address = seen.GetValueOrDefault("address", -1);
        int income = seen.GetValueOrDefault("income", -1);
        if (income < 0)
        {
            problems.Add(new InputProblem(fileName, headerLine, 0, null, "there is no 'income' column"));
        }

        if ((name < 0) != (address < 0))
        {
            problems.Add(new InputProblem(fileName, headerLine, 0, null, name < 0 ? "there is an 'address' column but no 'name' column (a person key needs both)" : "there is a 'name' column but no 'address' column (a person key needs both)"));
        }

        if (code < 0 && name < 0 && address < 0)
        {
            problems.Add(new InputProblem(fileName, headerLine, 0, null, "there is no identifier column: give 'code' (the invitation code) and/or 'name' and 'address'"));
        }

        int[] attributes = income < 0 ? [] : [income, .. Enumerable.Range(0, names.Length).Where(c => c != income && c != code && c != name && c != address && names[c].Length > 0)];
        if (attributes.Length > MaxAttributes)
        {
            problems.Add(new InputProblem(fileName, headerLine, 0, null, $"there are {attributes.Length} attribute columns; at most {MaxAttributes} are accepted"));
        }

        if (problems.Count > 0)
        {
            throw new SelectionInputException(problems);
        }

        int count = rows.Count - 1;
        if (count == 0)
        {
            throw new SelectionInputException([new InputProblem(fileName, headerLine, 0, null, "the file holds no record (only the header row)")]);
        }

        if (count > MaxRecords)
        {
            throw new SelectionInputException([new InputProblem(fileName, 0, 0, null, $"the file holds {count} records; at most {MaxRecords} are accepted")]);
        }

        int a = attributes.Length;
        string[]? hashes = code >= 0 ? new string[count] : null;
        ulong[]? keys = name >= 0 ? new ulong[count] : null;
        var values = new uint[checked(count * a)];
        var codeLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var keyLines = new Dictionary<ulong, int>();
        for (int r = 0; r < count && problems.Count < MaxProblems; r++)
        {
            (int line, string[] fields) = rows[r + 1];
            if (fields.Length != names.Length)
            {
                problems.Add(new InputProblem(fileName, line, 0, null, $"the row has {fields.Length} fields; the header has {names.Length}"));
                continue;
            }

            if (hashes is not null)
            {
                if (!InvitationCode.TryNormalize(fields[code], out string? canonical))
                {
                    problems.Add(new InputProblem(fileName, line, code + 1, names[code], fields[code].Trim().Length == 0 ? "the code is blank" : "the code is not a valid invitation code (17 characters with a check character)"));
                }
                else
                {
                    hashes[r] = InvitationCode.Hash(salt, canonical);
                    if (!codeLines.TryAdd(hashes[r], line))
                    {
                        problems.Add(new InputProblem(fileName, line, code + 1, names[code], $"duplicate identifier: the same invitation code is also on line {codeLines[hashes[r]]}"));
                    }
                }
            }

            if (keys is not null)
            {
                bool ok = true;
                foreach (int c in new[] { name, address })
                {
                    if (PersonKey.Normalise(fields[c]).Length == 0)
                    {
                        problems.Add(new InputProblem(fileName, line, c + 1, names[c], $"the {names[c]} is blank (nothing is left after normalisation)"));
                        ok = false;
                    }
                }

                if (ok)
                {
                    keys[r] = PersonKey.Compute(salt, fields[name], fields[address]);
                    if (!keyLines.TryAdd(keys[r], line))
                    {
                        problems.Add(new InputProblem(fileName, line, name + 1, names[name], $"duplicate identifier: the same name and address (after normalisation) are also on line {keyLines[keys[r]]}"));
                    }
                }
            }

            for (int i = 0; i < a; i++)
            {
                int c = attributes[i];
                string text = fields[c].Trim();
                if (text.Length == 0)
                {
                    problems.Add(new InputProblem(fileName, line, c + 1, names[c], $"'{names[c]}' is blank"));
                }
                else if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                {
                    bool digits = text.TrimStart('-', '+').All(char.IsAsciiDigit) && text.TrimStart('-', '+').Length > 0;
                    problems.Add(new InputProblem(fileName, line, c + 1, names[c], digits
                        ? (text.StartsWith('-') ? $"'{names[c]}' is negative" : $"'{names[c]}' is too large (at most {MaxValue})")
                        : $"'{names[c]}' is not a whole number: '{Shorten(text)}'"));
                }
                else if (value < 0)
                {
                    problems.Add(new InputProblem(fileName, line, c + 1, names[c], $"'{names[c]}' is negative: {value}"));
                }
                else if (value > MaxValue)
                {
                    problems.Add(new InputProblem(fileName, line, c + 1, names[c], $"'{names[c]}' is too large: {value} (at most {MaxValue})"));
                }
                else
                {
                    values[(r * a) + i] = (uint)value;
                }
            }
        }

        if (problems.Count > 0)
        {
            Array.Clear(values);
            throw new SelectionInputException(problems.Take(MaxProblems).ToArray());
        }

        return new TaxRecords(roundId.ToArray(), attributes.Select(c => names[c]).ToArray(), hashes, keys, values, count);
    }

    /// <summary>The contributor step: splits the records into one <see cref="RecordShares"/> per provider. The code hashes
    /// (public) are the same in all three; the person keys' two words and every attribute are additively shared, fresh
    /// randomness from the operating system (AES-128-CTR expansion), so any one provider's part is uniformly random.</summary>
    /// <returns>Three parts; part i is for provider i only.</returns>
    public RecordShares[] Share()
    {
        ShareVector[] attributes = AdditiveSharing.Split(_values, 3);
        ShareVector[]? keys = null;
        if (_keys is not null)
        {
            var words = new uint[2 * Count];
            for (int r = 0; r < Count; r++)
            {
                (words[2 * r], words[(2 * r) + 1]) = PersonKey.Words(_keys[r]);
            }

            keys = AdditiveSharing.Split(words, 3);
            Array.Clear(words);
        }

        return Enumerable.Range(0, 3)
            .Select(p => new RecordShares(p, _roundId, AttributeNames, Count, _codeHashes, keys?[p].Values.ToArray(), attributes[p].Values.ToArray()))
            .ToArray();
    }

    /// <summary>Describes the records without any secret.</summary>
    /// <returns>Counts and column names.</returns>
    public override string ToString() => $"TaxRecords(N={Count}, attributes={string.Join(",", AttributeNames)}, codes={HasCodes}, personKeys={HasPersonKeys})";

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "…";

    private static List<(int Line, string[] Fields)> ReadRows(TextReader reader, string fileName, List<InputProblem> problems)
    {
        var malformed = new List<InputProblem>();
        CsvReaderOptions options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = false,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            OnMalformedRecord = m => malformed.Add(new InputProblem(fileName, (int)m.LineNumber, 0, null, $"malformed CSV quoting ({m.Reason})")),
        };
        var rows = new List<(int, string[])>();
        using (CsvReader csv = CsvReader.Create(reader, options, leaveOpen: true))
        {
            while (csv.Read())
            {
                var fields = new string[csv.FieldCount];
                for (int i = 0; i < fields.Length; i++)
                {
                    fields[i] = csv.GetString(i);
                }

                rows.Add(((int)csv.LineNumber, fields));
            }
        }

        if (malformed.Count > 0)
        {
            problems.AddRange(malformed.Take(MaxProblems));
            throw new SelectionInputException(problems);
        }

        return rows;
    }
}
