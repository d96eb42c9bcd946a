using System.Globalization;

namespace MpcSortition.Selection.Records;

/// <summary>
/// Public bands of one record attribute (for example income), published by the organiser before the join: strictly
/// increasing thresholds t₁ &lt; … &lt; t_m cut the attribute into m + 1 bands (band 0: x &lt; t₁; band b: t_b ≤ x &lt;
/// t_{b+1}; band m: x ≥ t_m), and the band becomes a feature of the selection with one more value, "unknown", for a
/// sign-up with no record or more than one. The feature's values carry the quotas like any other feature's.
/// </summary>
public sealed class AttributeBands
{
    private readonly uint[] _thresholds;

    /// <summary>Creates the bands of <paramref name="attribute"/>.</summary>
    /// <param name="attribute">The record attribute's name (a column of the tax office's file, e.g. <c>income</c>).</param>
    /// <param name="thresholds">At least one threshold, strictly increasing, each 1 … 2^31 − 1.</param>
    /// <param name="feature">The selection feature: m + 2 values, the m + 1 bands in order and then "unknown" (last).</param>
    /// <exception cref="ArgumentException">The thresholds are not strictly increasing or out of range, or the feature has
    /// another number of values.</exception>
    public AttributeBands(string attribute, IEnumerable<uint> thresholds, Feature feature)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(attribute);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(feature);
        _thresholds = thresholds.ToArray();
        if (_thresholds.Length == 0)
        {
            throw new ArgumentException("Give at least one threshold.", nameof(thresholds));
        }

        for (int i = 0; i < _thresholds.Length; i++)
        {
            if (_thresholds[i] is 0 or > (uint)TaxRecords.MaxValue || (i > 0 && _thresholds[i] <= _thresholds[i - 1]))
            {
                throw new ArgumentException($"The thresholds must increase strictly and lie in 1 … {TaxRecords.MaxValue} (threshold {i + 1} does not).", nameof(thresholds));
            }
        }

        if (feature.Values.Count != _thresholds.Length + 2)
        {
            throw new ArgumentException($"The feature '{feature.Name}' needs {_thresholds.Length + 2} values ({_thresholds.Length + 1} bands and 'unknown'), not {feature.Values.Count}.", nameof(feature));
        }

        Attribute = attribute.Trim().ToLowerInvariant();
        Feature = feature;
    }

    /// <summary>The attribute's name (lower case).</summary>
    public string Attribute { get; }

    /// <summary>The thresholds t₁ … t_m.</summary>
    public IReadOnlyList<uint> Thresholds => _thresholds;

    /// <summary>The selection feature (bands, then "unknown").</summary>
    public Feature Feature { get; }

    /// <summary>The number of bands m + 1 (the feature has one more value, "unknown").</summary>
    public int BandCount => _thresholds.Length + 1;

    /// <summary>The plaintext band of a value (the reference): the number of thresholds ≤ <paramref name="value"/>.</summary>
    /// <param name="value">The attribute's value.</param>
    /// <returns>0 … m.</returns>
    public int BandOf(uint value) => _thresholds.Count(t => value >= t);

    /// <summary>Bands with generated value names ("below 20000", "20000-39999", "40000 and above", "unknown").</summary>
    /// <param name="attribute">The record attribute (e.g. <c>income</c>).</param>
    /// <param name="featureName">The selection feature's name (e.g. <c>income band</c>).</param>
    /// <param name="thresholds">The thresholds, strictly increasing.</param>
    /// <param name="quotas">(min, max) per value: the m + 1 bands, then "unknown".</param>
    /// <returns>The bands.</returns>
    /// <exception cref="ArgumentException">As the constructor, or the number of quotas is not m + 2.</exception>
    public static AttributeBands Create(string attribute, string featureName, IReadOnlyList<uint> thresholds, IReadOnlyList<(int Min, int Max)> quotas)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(quotas);
        if (thresholds.Count == 0)
        {
            throw new ArgumentException("Give at least one threshold.", nameof(thresholds));
        }

        if (quotas.Count != thresholds.Count + 2)
        {
            throw new ArgumentException($"Give {thresholds.Count + 2} quotas ({thresholds.Count + 1} bands and 'unknown').", nameof(quotas));
        }

        CultureInfo c = CultureInfo.InvariantCulture;
        var names = new List<string>();
        for (int b = 0; b <= thresholds.Count; b++)
        {
            names.Add(b == 0 ? string.Create(c, $"below {thresholds[0]}")
                : b == thresholds.Count ? string.Create(c, $"{thresholds[b - 1]} and above")
                : string.Create(c, $"{thresholds[b - 1]}-{thresholds[b] - 1}"));
        }

        names.Add("unknown");
        return new AttributeBands(attribute, thresholds, new Feature(featureName, names.Select((n, i) => new FeatureValue(n, quotas[i].Min, quotas[i].Max))));
    }

    /// <summary>Describes the bands (all public).</summary>
    /// <returns>Attribute, feature and thresholds.</returns>
    public override string ToString() => $"AttributeBands({Attribute} → {Feature.Name}: {string.Join(" < ", _thresholds)})";
}
