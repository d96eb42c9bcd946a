using MpcSortition.Core;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// SEAM for the merge with <c>MpcSortition.Selection.Providers</c> (issue 10): the contributor function that turns one
/// person's answers into three one-hot share rows lives there. Until it exists, this file holds the same encoding
/// (one-hot per feature in row order, additive split mod 2^32 with two uniform shares). At the merge, replace the body
/// of <see cref="ShareRow"/> with a call to the Providers contributor function; nothing else in Intake depends on it.
/// </summary>
internal static class ProvidersSeam
{
    /// <summary>One-hot row of the answers (value index per feature), split into three additive shares.</summary>
    internal static uint[][] ShareRow(IReadOnlyList<int> valueCounts, IReadOnlyList<int> answers)
    {
        int total = valueCounts.Sum();
        var row = new uint[total];
        int offset = 0;
        for (int f = 0; f < valueCounts.Count; f++)
        {
            OneHot.Encode(answers[f], row.AsSpan(offset, valueCounts[f]));
            offset += valueCounts[f];
        }

        ShareVector[] shares = AdditiveSharing.Split(row, 3);
        return shares.Select(s => s.Values.ToArray()).ToArray();
    }
}
