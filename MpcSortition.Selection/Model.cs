namespace MpcSortition.Selection;

/// <summary>
/// One value of a feature (for example <c>female</c> of the feature <c>gender</c>) with its quota: a panel
/// must contain at least <see cref="Min"/> and at most <see cref="Max"/> people with this value.
/// </summary>
public sealed class FeatureValue
{
    /// <summary>Creates a value with its quota.</summary>
    /// <param name="name">The value's name as written in the quota file (trimmed; matched case-insensitively).</param>
    /// <param name="min">Lower quota, at least 0.</param>
    /// <param name="max">Upper quota, at least <paramref name="min"/>.</param>
    /// <param name="minFlex">Optional <c>min_flex</c> column of the quota file (kept, not used by the greedy strategies).</param>
    /// <param name="maxFlex">Optional <c>max_flex</c> column of the quota file (kept, not used by the greedy strategies).</param>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="min"/> is negative or greater than <paramref name="max"/>.</exception>
    public FeatureValue(string name, int min, int max, int? minFlex = null, int? maxFlex = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(min);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        Name = name.Trim();
        Min = min;
        Max = max;
        MinFlex = minFlex;
        MaxFlex = maxFlex;
    }

    /// <summary>The value's name (trimmed), spelled as in the quota file.</summary>
    public string Name { get; }

    /// <summary>Lower quota: the panel needs at least this many people with the value.</summary>
    public int Min { get; }

    /// <summary>Upper quota: the panel may hold at most this many people with the value.</summary>
    public int Max { get; }

    /// <summary>The optional <c>min_flex</c> column, or <see langword="null"/> when the file had none.</summary>
    public int? MinFlex { get; }

    /// <summary>The optional <c>max_flex</c> column, or <see langword="null"/> when the file had none.</summary>
    public int? MaxFlex { get; }

    /// <summary>Describes the value and its quota.</summary>
    /// <returns><c>name [min, max]</c>.</returns>
    public override string ToString() => $"{Name} [{Min}, {Max}]";
}

/// <summary>A feature (a column of the people file, for example <c>gender</c>) with its values in file order.</summary>
public sealed class Feature
{
    private readonly FeatureValue[] _values;

    /// <summary>Creates a feature.</summary>
    /// <param name="name">The feature's name (trimmed; matched case-insensitively against the people file's header).</param>
    /// <param name="values">Its values in file order; at least one, names distinct ignoring case.</param>
    /// <exception cref="ArgumentException">The name is empty, there is no value, or two values have the same name ignoring case.</exception>
    public Feature(string name, IEnumerable<FeatureValue> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        Name = name.Trim();
        _values = values.ToArray();
        if (_values.Length == 0)
        {
            throw new ArgumentException($"Feature '{Name}' has no values.", nameof(values));
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (FeatureValue v in _values)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(values));
            if (!seen.Add(v.Name))
            {
                throw new ArgumentException($"Feature '{Name}' lists the value '{v.Name}' twice.", nameof(values));
            }
        }
    }

    /// <summary>The feature's name (trimmed).</summary>
    public string Name { get; }

    /// <summary>The feature's values in file order.</summary>
    public IReadOnlyList<FeatureValue> Values => _values;

    /// <summary>Index of the value named <paramref name="value"/> (trimmed, case-insensitive), or -1.</summary>
    /// <param name="value">A value name.</param>
    /// <returns>The index into <see cref="Values"/>, or -1 when the feature has no such value.</returns>
    public int IndexOf(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string trimmed = value.Trim();
        for (int i = 0; i < _values.Length; i++)
        {
            if (string.Equals(_values[i].Name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Describes the feature.</summary>
    /// <returns>The name and the number of values.</returns>
    public override string ToString() => $"{Name} ({_values.Length} values)";
}

/// <summary>
/// A person in the pool: an id, one value per feature, an optional address (for same-address exclusion),
/// and the raw fields of their row (kept for writing the panel).
/// </summary>
public sealed class Candidate
{
    private readonly string[] _values;
    private readonly string[] _fields;

    /// <summary>Creates a candidate.</summary>
    /// <param name="id">Unique id (the people file's id column, or the 0-based row index).</param>
    /// <param name="values">One value name per feature, in the order of the problem's features (trimmed and matched case-insensitively).</param>
    /// <param name="address">Normalised address key, or <see langword="null"/> when the person has none or no address check is wanted.
    /// Two candidates with equal keys live at the same address.</param>
    /// <param name="fields">The raw fields of the person's row, written out when the person is selected; empty when not given.</param>
    /// <exception cref="ArgumentException">The id is empty.</exception>
    public Candidate(string id, IEnumerable<string> values, string? address = null, IEnumerable<string>? fields = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(values);
        Id = id;
        _values = values.ToArray();
        Address = address;
        _fields = fields?.ToArray() ?? [];
    }

    /// <summary>The candidate's id.</summary>
    public string Id { get; }

    /// <summary>One value name per feature, in the problem's feature order.</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>Normalised address key, or <see langword="null"/>.</summary>
    public string? Address { get; }

    /// <summary>The raw fields of the person's row (empty when not read from a file).</summary>
    public IReadOnlyList<string> Fields => _fields;

    /// <summary>Returns the id only (never the person's data).</summary>
    /// <returns>The id.</returns>
    public override string ToString() => $"Candidate {Id}";
}

/// <summary>
/// The assembly selection problem: choose a panel of <see cref="PanelSize"/> distinct candidates such that, for every
/// feature value, the number of panel members with that value lies within the value's [min, max] quota; candidates who
/// share an <see cref="Candidate.Address"/> may not both be selected.
/// </summary>
/// <remarks>
/// Feature values are numbered globally in file order: all values of the first feature, then all values of the second,
/// and so on. This numbering ("value index") is the order in which the strategies break ties. Candidates are numbered by
/// their position in the pool ("pool order"), which is the order of the people file.
/// </remarks>
public sealed class SelectionProblem
{
    private readonly Feature[] _features;
    private readonly Candidate[] _candidates;

    /// <summary>Creates a problem and resolves every candidate's values against the features.</summary>
    /// <param name="features">The features with their values and quotas; at least one; names distinct ignoring case.</param>
    /// <param name="candidates">The pool in pool order; ids distinct; each with exactly one value per feature.</param>
    /// <param name="panelSize">The panel size k, at least 1.</param>
    /// <exception cref="ArgumentException">A feature name repeats, an id repeats, a candidate has the wrong number of values,
    /// or a value that is not among its feature's values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="panelSize"/> is less than 1.</exception>
    public SelectionProblem(IEnumerable<Feature> features, IEnumerable<Candidate> candidates, int panelSize)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(panelSize, 1);
        _features = features.ToArray();
        _candidates = candidates.ToArray();
        PanelSize = panelSize;
        if (_features.Length == 0)
        {
            throw new ArgumentException("A selection problem needs at least one feature.", nameof(features));
        }

        var featureNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int valueCount = 0;
        FeatureOffset = new int[_features.Length + 1];
        for (int f = 0; f < _features.Length; f++)
        {
            ArgumentNullException.ThrowIfNull(_features[f], nameof(features));
            if (!featureNames.Add(_features[f].Name))
            {
                throw new ArgumentException($"The feature '{_features[f].Name}' appears twice.", nameof(features));
            }

            FeatureOffset[f] = valueCount;
            valueCount += _features[f].Values.Count;
        }

        FeatureOffset[_features.Length] = valueCount;
        ValueCount = valueCount;
        ValueMin = new int[valueCount];
        ValueMax = new int[valueCount];
        ValueFeature = new int[valueCount];
        for (int f = 0; f < _features.Length; f++)
        {
            for (int j = 0; j < _features[f].Values.Count; j++)
            {
                int v = FeatureOffset[f] + j;
                ValueMin[v] = _features[f].Values[j].Min;
                ValueMax[v] = _features[f].Values[j].Max;
                ValueFeature[v] = f;
            }
        }

        int n = _candidates.Length;
        int fc = _features.Length;
        ValueOf = new int[n * fc];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var memberCounts = new int[valueCount];
        for (int i = 0; i < n; i++)
        {
            Candidate c = _candidates[i] ?? throw new ArgumentException("A candidate is null.", nameof(candidates));
            if (!ids.Add(c.Id))
            {
                throw new ArgumentException($"The candidate id '{c.Id}' appears twice.", nameof(candidates));
            }

            if (c.Values.Count != fc)
            {
                throw new ArgumentException($"Candidate '{c.Id}' has {c.Values.Count} values but there are {fc} features.", nameof(candidates));
            }

            for (int f = 0; f < fc; f++)
            {
                int j = _features[f].IndexOf(c.Values[f]);
                if (j < 0)
                {
                    throw new ArgumentException($"Candidate '{c.Id}' has a value for feature '{_features[f].Name}' that the feature does not list.", nameof(candidates));
                }

                int v = FeatureOffset[f] + j;
                ValueOf[(i * fc) + f] = v;
                memberCounts[v]++;
            }
        }

        Members = new int[valueCount][];
        var fill = new int[valueCount];
        for (int v = 0; v < valueCount; v++)
        {
            Members[v] = new int[memberCounts[v]];
        }

        for (int i = 0; i < n; i++)
        {
            for (int f = 0; f < fc; f++)
            {
                int v = ValueOf[(i * fc) + f];
                Members[v][fill[v]++] = i;
            }
        }

        // Households: the index of the first candidate (in pool order) with the same address key; -1 = no address.
        Household = new int[n];
        var firstWithAddress = new Dictionary<string, int>(StringComparer.Ordinal);
        var householdSizes = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            string? address = _candidates[i].Address;
            if (address is null)
            {
                Household[i] = -1;
                continue;
            }

            if (!firstWithAddress.TryGetValue(address, out int first))
            {
                first = i;
                firstWithAddress.Add(address, i);
            }

            Household[i] = first;
            householdSizes[first] = householdSizes.GetValueOrDefault(first) + 1;
        }

        HouseholdMembers = [];
        foreach ((int first, int size) in householdSizes)
        {
            if (size > 1)
            {
                HouseholdMembers[first] = new int[size];
            }
        }

        var householdFill = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            int h = Household[i];
            if (h >= 0 && HouseholdMembers.TryGetValue(h, out int[]? members))
            {
                int at = householdFill.GetValueOrDefault(h);
                members[at] = i;
                householdFill[h] = at + 1;
            }
        }

        HouseholdCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (Household[i] < 0 || Household[i] == i)
            {
                HouseholdCount++;
            }
        }
    }

    /// <summary>The features in file order.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>The pool, in pool order.</summary>
    public IReadOnlyList<Candidate> Candidates => _candidates;

    /// <summary>The panel size k.</summary>
    public int PanelSize { get; }

    /// <summary>The number of feature values over all features (the length of the global value numbering).</summary>
    public int ValueCount { get; }

    /// <summary>Whether any two candidates share an address (then same-address exclusion applies).</summary>
    public bool HasSharedAddresses => HouseholdMembers.Count > 0;

    /// <summary>First global value index of feature f; entry <c>Features.Count</c> is <see cref="ValueCount"/>.</summary>
    internal int[] FeatureOffset { get; }

    /// <summary>Lower quota per global value index.</summary>
    internal int[] ValueMin { get; }

    /// <summary>Upper quota per global value index.</summary>
    internal int[] ValueMax { get; }

    /// <summary>Feature index per global value index.</summary>
    internal int[] ValueFeature { get; }

    /// <summary>Row-major n × F: the global value index of candidate i in feature f at <c>i * F + f</c>.</summary>
    internal int[] ValueOf { get; }

    /// <summary>Per global value index, the candidates with that value in pool order.</summary>
    internal int[][] Members { get; }

    /// <summary>Per candidate, the index of the first candidate with the same address, or -1 when it has no address.</summary>
    internal int[] Household { get; }

    /// <summary>Households with at least two members, keyed by their first member, members in pool order.</summary>
    internal Dictionary<int, int[]> HouseholdMembers { get; }

    /// <summary>Number of distinct households (a candidate without address is its own household).</summary>
    internal int HouseholdCount { get; }

    /// <summary>Returns the same pool and quotas with another panel size.</summary>
    /// <param name="panelSize">The new k, at least 1.</param>
    /// <returns>A new problem.</returns>
    public SelectionProblem WithPanelSize(int panelSize) => new(_features, _candidates, panelSize);

    /// <summary>The feature value with the given global value index.</summary>
    /// <param name="valueIndex">0 ≤ index &lt; <see cref="ValueCount"/>.</param>
    /// <returns>The feature and the value.</returns>
    public (Feature Feature, FeatureValue Value) GetValue(int valueIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(valueIndex, ValueCount);
        int f = ValueFeature[valueIndex];
        return (_features[f], _features[f].Values[valueIndex - FeatureOffset[f]]);
    }

    /// <summary>The global value index of candidate <paramref name="candidate"/> in feature <paramref name="feature"/>.</summary>
    /// <param name="candidate">Candidate index in pool order.</param>
    /// <param name="feature">Feature index.</param>
    /// <returns>The global value index.</returns>
    public int ValueIndexOf(int candidate, int feature)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(candidate, _candidates.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, _features.Length);
        return ValueOf[(candidate * _features.Length) + feature];
    }

    /// <summary>Counts, per global value index, how many of the given candidates have that value.</summary>
    /// <param name="panel">Candidate indexes in pool order numbering.</param>
    /// <returns>An array of length <see cref="ValueCount"/>.</returns>
    public int[] CountByValue(IEnumerable<int> panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        var counts = new int[ValueCount];
        int fc = _features.Length;
        foreach (int i in panel)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(panel));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, _candidates.Length, nameof(panel));
            for (int f = 0; f < fc; f++)
            {
                counts[ValueOf[(i * fc) + f]]++;
            }
        }

        return counts;
    }

    /// <summary>Whether <paramref name="panel"/> is a valid panel: k distinct candidates, every quota met, no two at one address.</summary>
    /// <param name="panel">Candidate indexes.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public bool IsValidPanel(IReadOnlyCollection<int> panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        return WhyInvalidPanel(panel) is null;
    }

    /// <summary>Why <paramref name="panel"/> is not a valid panel (naming the index or feature value at fault), or
    /// <see langword="null"/> when it is valid.</summary>
    internal string? WhyInvalidPanel(IReadOnlyCollection<int> panel)
    {
        if (panel.Count != PanelSize)
        {
            return $"it has {panel.Count} members, the panel size is {PanelSize}";
        }

        var seen = new HashSet<int>();
        foreach (int i in panel)
        {
            if (i < 0 || i >= _candidates.Length)
            {
                return $"the candidate index {i} is outside 0..{_candidates.Length - 1}";
            }

            if (!seen.Add(i))
            {
                return $"the candidate index {i} appears twice";
            }
        }

        int[] counts = CountByValue(panel);
        for (int v = 0; v < ValueCount; v++)
        {
            if (counts[v] < ValueMin[v] || counts[v] > ValueMax[v])
            {
                (Feature feature, FeatureValue value) = GetValue(v);
                return $"{counts[v]} members have {feature.Name}/{value.Name}, the quota is [{value.Min}, {value.Max}]";
            }
        }

        var households = new HashSet<int>();
        foreach (int i in panel)
        {
            if (Household[i] >= 0 && !households.Add(Household[i]))
            {
                return $"the candidate index {i} shares an address with another member";
            }
        }

        return null;
    }

    /// <summary>Describes the problem's public parameters.</summary>
    /// <returns>n, k and the number of features and values.</returns>
    public override string ToString() => $"SelectionProblem(n={_candidates.Length}, k={PanelSize}, features={_features.Length}, values={ValueCount})";
}
