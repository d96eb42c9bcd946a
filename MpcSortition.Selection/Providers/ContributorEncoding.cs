using MpcSortition.Core;

namespace MpcSortition.Selection.Providers;

/// <summary>
/// The contributor's encoding: one person's answers → one one-hot row → three additive share rows, one per provider.
/// The sign-up page (JavaScript) and the tax office's tool mirror exactly this.
/// </summary>
/// <remarks>
/// <para><b>Value order.</b> The features are taken in the order of the round file (<see cref="RoundDefinition.Features"/>,
/// the quota file's order), and within a feature its values in their order. The global value index of value j of
/// feature f is offset(f) + j, where offset(0) = 0 and offset(f + 1) = offset(f) + (number of values of feature f); V is
/// the total number of values.</para>
/// <para><b>One-hot row.</b> A person gives one answer per feature, in feature order. The answer to feature f is matched
/// to that feature's value names after trimming white space, ignoring case (ordinal, invariant); it must name exactly
/// one value. The row has V words; word offset(f) + j is 1 when the answer to feature f is value j, else 0. So the row
/// has exactly one 1 per feature (F ones in all).</para>
/// <para><b>Shares.</b> Three rows of V 32-bit words such that, word by word, row0 + row1 + row2 = one-hot row (mod 2^32)
/// and any two rows are uniformly random. This implementation fills rows 1 and 2 from a cryptographic generator (a
/// fresh 16-byte seed from the operating system, expanded by AES-128-CTR) and sets row 0 = one-hot − row1 − row2 mod 2^32.
/// Row i goes to provider i only.</para>
/// <para><b>A batch.</b> For n people in pool order, each provider's share file holds the rows one after the other: word
/// j·V + v is that provider's share of person j's word v (see <see cref="ShareFile"/>).</para>
/// <para>Error messages name the feature and the person's position, never the answer.</para>
/// </remarks>
public static class ContributorEncoding
{
    /// <summary>The one-hot row of one person's answers.</summary>
    /// <param name="features">The round's features in order.</param>
    /// <param name="answers">One value name per feature, in feature order.</param>
    /// <returns>V words, each 0 or 1.</returns>
    /// <exception cref="ArgumentException">The number of answers differs from the number of features, or an answer names
    /// no value of its feature.</exception>
    public static uint[] OneHotRow(IReadOnlyList<Feature> features, IReadOnlyList<string> answers)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(answers);
        var row = new uint[ValueCount(features)];
        Encode(features, answers, row, null);
        return row;
    }

    /// <summary>Encodes one person's answers and splits the row into three share rows.</summary>
    /// <param name="features">The round's features in order.</param>
    /// <param name="answers">One value name per feature, in feature order.</param>
    /// <returns>Three rows of V words; row i is provider i's.</returns>
    /// <exception cref="ArgumentException">The number of answers differs from the number of features, or an answer names
    /// no value of its feature.</exception>
    public static uint[][] ShareRow(IReadOnlyList<Feature> features, IReadOnlyList<string> answers)
    {
        uint[] row = OneHotRow(features, answers);
        try
        {
            return Split(row);
        }
        finally
        {
            Array.Clear(row);
        }
    }

    /// <summary>Encodes one person's answers given as value indexes (what a form's radio buttons yield) and splits the row
    /// into three share rows; the same encoding as the overload with value names.</summary>
    /// <param name="features">The round's features in order.</param>
    /// <param name="valueIndexes">Per feature, in feature order, the 0-based index of the chosen value.</param>
    /// <returns>Three rows of V words; row i is provider i's.</returns>
    /// <exception cref="ArgumentException">The number of answers differs from the number of features, or an index is out of
    /// its feature's range.</exception>
    public static uint[][] ShareRow(IReadOnlyList<Feature> features, IReadOnlyList<int> valueIndexes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(valueIndexes);
        var row = new uint[ValueCount(features)];
        try
        {
            EncodeIndexes(features, valueIndexes, row, null);
            return Split(row);
        }
        finally
        {
            Array.Clear(row);
        }
    }

    /// <summary>Encodes a batch of people (pool order) and splits it into each provider's n·V shares, as a share file holds them.</summary>
    /// <param name="features">The round's features in order.</param>
    /// <param name="people">Per person one value name per feature, in feature order.</param>
    /// <returns>Three arrays of n·V words; array i is provider i's, word j·V + v for person j's value v.</returns>
    /// <exception cref="ArgumentException">A person gives the wrong number of answers or an answer names no value of its feature (the
    /// message names the person's position and the feature).</exception>
    public static uint[][] ShareRows(IReadOnlyList<Feature> features, IEnumerable<IReadOnlyList<string>> people)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(people);
        int v = ValueCount(features);
        var rows = new List<uint>();
        var one = new uint[v];
        int person = 0;
        foreach (IReadOnlyList<string> answers in people)
        {
            ArgumentNullException.ThrowIfNull(answers, nameof(people));
            Encode(features, answers, one, person++);
            rows.AddRange(one);
        }

        uint[] all = [.. rows];
        try
        {
            return Split(all);
        }
        finally
        {
            Array.Clear(all);
            Array.Clear(one);
        }
    }

    private static int ValueCount(IReadOnlyList<Feature> features)
    {
        int v = 0;
        foreach (Feature f in features)
        {
            ArgumentNullException.ThrowIfNull(f, nameof(features));
            v += f.Values.Count;
        }

        return v > 0 ? v : throw new ArgumentException("At least one feature is needed.", nameof(features));
    }

    private static void Encode(IReadOnlyList<Feature> features, IReadOnlyList<string> answers, Span<uint> row, int? person)
    {
        string who = person is int p ? $"Person {p}" : "The person";
        if (answers.Count != features.Count)
        {
            throw new ArgumentException($"{who} gives {answers.Count} answers; the round has {features.Count} features.", nameof(answers));
        }

        var indexes = new int[features.Count];
        for (int f = 0; f < features.Count; f++)
        {
            string? answer = answers[f];
            indexes[f] = answer is null ? -1 : features[f].IndexOf(answer);
            if (indexes[f] < 0)
            {
                throw new ArgumentException($"{who}'s answer to feature '{features[f].Name}' (position {f}) is not one of its {features[f].Values.Count} values.", nameof(answers));
            }
        }

        EncodeIndexes(features, indexes, row, person);
    }

    private static void EncodeIndexes(IReadOnlyList<Feature> features, IReadOnlyList<int> indexes, Span<uint> row, int? person)
    {
        string who = person is int p ? $"Person {p}" : "The person";
        if (indexes.Count != features.Count)
        {
            throw new ArgumentException($"{who} gives {indexes.Count} answers; the round has {features.Count} features.", nameof(indexes));
        }

        row.Clear();
        int offset = 0;
        for (int f = 0; f < features.Count; f++)
        {
            int j = indexes[f];
            if (j < 0 || j >= features[f].Values.Count)
            {
                throw new ArgumentException($"{who}'s answer to feature '{features[f].Name}' (position {f}) is not one of its {features[f].Values.Count} values.", nameof(indexes));
            }

            row[offset + j] = 1;
            offset += features[f].Values.Count;
        }
    }

    private static uint[][] Split(uint[] rows)
    {
        ShareVector[] shares = AdditiveSharing.Split(rows, ProviderRun.Parties);
        return shares.Select(s => s.Values.ToArray()).ToArray();
    }
}
