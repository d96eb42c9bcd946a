using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The public parameters of a secure selection, known to every provider: the candidate ids (the people to contact),
/// the features with their values and quotas, the panel size k, and optionally the address groups. The candidates'
/// feature values are not part of it: they are secret-shared in a <see cref="SecurePool"/>.
/// </summary>
/// <remarks>
/// Address groups are optional. When given, the providers know which candidates share an address (but not their
/// features); the selector then excludes the rest of a household once one member is picked, exactly as the reference
/// does. This reveals the household structure of the pool to the providers, nothing more; without it, no
/// same-address exclusion takes place.
/// </remarks>
public sealed class SecureSelectionLayout
{
    /// <summary>The largest pool the secure selector supports: counts stay below 2^20, so that the draw's limb
    /// products (with the count split in two above <see cref="SmallDrawLimit"/>) fit the ring exactly; the value choice's
    /// cross products need k·n below 2^30 (checked separately).</summary>
    public const int MaxCandidates = 1_000_000;

    /// <summary>Up to this pool size the draw multiplies the word's 16-bit limbs by the count directly (21 rounds); above
    /// it the count is split into 16 + 4 bits first (38 rounds). A public threshold: the rounds depend on n only through it.</summary>
    public const int SmallDrawLimit = (1 << 15) - 1;

    private readonly string[] _ids;
    private readonly Feature[] _features;

    /// <summary>Creates a layout.</summary>
    /// <param name="candidateIds">The candidate ids in pool order; at least one, at most <see cref="MaxCandidates"/>.</param>
    /// <param name="features">The features in value order, with quotas.</param>
    /// <param name="panelSize">k, 1 ≤ k ≤ number of candidates.</param>
    /// <param name="households">Optional: per candidate a household number (equal numbers share an address), or −1
    /// for a candidate without address; <see langword="null"/> for no address exclusion.</param>
    /// <exception cref="ArgumentException">A size or bound is violated (the message names it).</exception>
    public SecureSelectionLayout(IEnumerable<string> candidateIds, IEnumerable<Feature> features, int panelSize, IReadOnlyList<int>? households = null)
    {
        ArgumentNullException.ThrowIfNull(candidateIds);
        ArgumentNullException.ThrowIfNull(features);
        _ids = candidateIds.ToArray();
        _features = features.ToArray();
        int n = _ids.Length;
        if (n < 1 || n > MaxCandidates)
        {
            throw new ArgumentException($"The secure selector supports 1 to {MaxCandidates} candidates; got {n}.", nameof(candidateIds));
        }

        if ((long)panelSize * n >= 1L << 30)
        {
            throw new ArgumentException($"k·n = {(long)panelSize * n} must stay below 2^30 (the value choice compares need·remaining cross products exactly in 32 bits); use a smaller k or pool.", nameof(panelSize));
        }

        if (_features.Length == 0)
        {
            throw new ArgumentException("At least one feature is needed.", nameof(features));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(panelSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(panelSize, n);
        PanelSize = panelSize;
        FeatureOffset = new int[_features.Length + 1];
        int v = 0;
        for (int f = 0; f < _features.Length; f++)
        {
            ArgumentNullException.ThrowIfNull(_features[f], nameof(features));
            FeatureOffset[f] = v;
            v += _features[f].Values.Count;
        }

        FeatureOffset[_features.Length] = v;

        // Bounds so that no product in the secure engine can overflow: the V(V−1) value contests, and the n × V one-hot
        // matrix (n·V at most 2^27, one batch of the black box, checked below).
        const int maxValues = 4096;
        if (v > maxValues)
        {
            throw new ArgumentException($"The features have {v} values in all; the secure selector supports at most {maxValues} (so that the V(V−1)/2 pairwise value comparisons and the n·V one-hot entries stay within its 32-bit counts and one batch).", nameof(features));
        }

        if ((long)n * v > MpcSortition.Protocols.SemiHonestBlackBox.MaxBatch)
        {
            throw new ArgumentException($"n·V = {n} × {v} = {(long)n * v} one-hot entries exceed one batch of the black box ({MpcSortition.Protocols.SemiHonestBlackBox.MaxBatch}); use fewer candidates or values.", nameof(features));
        }

        ValueCount = v;
        ValueMin = new int[v];
        ValueMax = new int[v];
        for (int f = 0; f < _features.Length; f++)
        {
            for (int j = 0; j < _features[f].Values.Count; j++)
            {
                FeatureValue value = _features[f].Values[j];
                ValueMin[FeatureOffset[f] + j] = value.Min;
                ValueMax[FeatureOffset[f] + j] = value.Max;

                // Cross products of the two-phase fill ratio: selected · max must stay below 2^30.
                if ((long)value.Max * panelSize >= 1L << 30)
                {
                    throw new ArgumentException($"The maximum of {_features[f].Name}/{value.Name} ({value.Max}) times k ({panelSize}) must stay below 2^30.", nameof(features));
                }
            }
        }

        if (households is not null)
        {
            if (households.Count != n)
            {
                throw new ArgumentException($"The household list has {households.Count} entries for {n} candidates.", nameof(households));
            }

            Household = households.ToArray();
            var groups = new Dictionary<int, List<int>>();
            for (int i = 0; i < n; i++)
            {
                if (Household[i] < -1)
                {
                    throw new ArgumentException($"Household numbers are −1 or non-negative; candidate {i} has {Household[i]}.", nameof(households));
                }

                if (Household[i] >= 0)
                {
                    if (!groups.TryGetValue(Household[i], out List<int>? list))
                    {
                        groups[Household[i]] = list = [];
                    }

                    list.Add(i);
                }
            }

            HouseholdGroups = groups.Values.Where(g => g.Count > 1).Select(g => g.ToArray()).ToArray();
        }
        else
        {
            HouseholdGroups = [];
        }
    }

    /// <summary>The layout of a plaintext problem: its ids, features, k, and its address groups when some candidates
    /// share an address and <paramref name="includeAddresses"/> is set.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="includeAddresses">Whether the providers get the address groups (see the remarks of the class).</param>
    /// <returns>The layout.</returns>
    public static SecureSelectionLayout FromProblem(SelectionProblem problem, bool includeAddresses = true)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new SecureSelectionLayout(
            problem.Candidates.Select(c => c.Id),
            problem.Features,
            problem.PanelSize,
            includeAddresses && problem.HasSharedAddresses ? problem.Household : null);
    }

    /// <summary>The candidate ids in pool order.</summary>
    public IReadOnlyList<string> CandidateIds => _ids;

    /// <summary>Number of candidates n.</summary>
    public int CandidateCount => _ids.Length;

    /// <summary>The features with quotas.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>The panel size k.</summary>
    public int PanelSize { get; }

    /// <summary>Total number of feature values V (the width of each candidate's one-hot row).</summary>
    public int ValueCount { get; }

    /// <summary>Whether address groups are known (and households are excluded).</summary>
    public bool HasHouseholds => HouseholdGroups.Length > 0;

    internal int[] FeatureOffset { get; }

    internal int[] ValueMin { get; }

    internal int[] ValueMax { get; }

    internal int[]? Household { get; }

    /// <summary>Groups of at least two candidates at one address.</summary>
    internal int[][] HouseholdGroups { get; }

    /// <summary>
    /// The checks that the public parameters allow (feature values' pool counts are secret): per feature
    /// Σ min ≤ k ≤ Σ max. Each violation names the feature, in the same shape as <see cref="FeasibilityCheck.Check"/>.
    /// </summary>
    /// <returns>The violations in feature order, empty when none.</returns>
    public IReadOnlyList<FeasibilityViolation> CheckPublicFeasibility()
    {
        var problems = new List<FeasibilityViolation>();
        foreach (Feature feature in _features)
        {
            long sumMin = feature.Values.Sum(x => (long)x.Min);
            long sumMax = feature.Values.Sum(x => (long)x.Max);
            if (sumMin > PanelSize)
            {
                problems.Add(new FeasibilityViolation(feature.Name, null, $"feature {feature.Name}: the minimums add up to {sumMin}, more than the panel size {PanelSize}"));
            }

            if (sumMax < PanelSize)
            {
                problems.Add(new FeasibilityViolation(feature.Name, null, $"feature {feature.Name}: the maximums add up to {sumMax}, less than the panel size {PanelSize}"));
            }
        }

        return problems;
    }

    /// <summary>Describes the public parameters.</summary>
    /// <returns>n, k, features and values.</returns>
    public override string ToString() => $"SecureSelectionLayout(n={CandidateCount}, k={PanelSize}, features={_features.Length}, values={ValueCount})";
}

/// <summary>
/// One provider's view of the pool: the public <see cref="Layout"/> and its additive shares of every candidate's
/// one-hot feature rows (an n × V matrix, row-major: entry <c>j·V + v</c> is 1 iff candidate j has value v).
/// </summary>
public sealed class SecurePool
{
    private SecurePool(SecureSelectionLayout layout, ShareVector features)
    {
        Layout = layout;
        Features = features;
    }

    /// <summary>The public parameters.</summary>
    public SecureSelectionLayout Layout { get; }

    /// <summary>This party's shares of the n × V one-hot matrix.</summary>
    public ShareVector Features { get; }

    /// <summary>
    /// Contributor side: the one-hot rows of every candidate of <paramref name="problem"/>, additively split into one
    /// share vector per provider (as each contributor would do for its own row before sending the shares).
    /// </summary>
    /// <param name="problem">The problem (its candidates' values are the secrets).</param>
    /// <param name="parties">Number of providers (3 for the secure selector).</param>
    /// <returns>One share vector per provider, each of n·V values.</returns>
    public static ShareVector[] Share(SelectionProblem problem, int parties = 3)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return AdditiveSharing.Split(OneHotRows(problem), parties);
    }

    /// <summary>The plaintext n × V one-hot matrix of a problem (row-major), as <see cref="Share"/> splits it.</summary>
    /// <param name="problem">The problem.</param>
    /// <returns>n·V values, each 0 or 1.</returns>
    public static uint[] OneHotRows(SelectionProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int n = problem.Candidates.Count, fc = problem.Features.Count, vc = problem.ValueCount;
        var rows = new uint[checked(n * vc)];
        for (int j = 0; j < n; j++)
        {
            for (int f = 0; f < fc; f++)
            {
                rows[(j * vc) + problem.ValueOf[(j * fc) + f]] = 1;
            }
        }

        return rows;
    }

    /// <summary>Provider side: wraps the shares this provider received.</summary>
    /// <param name="abb">This provider's black box.</param>
    /// <param name="layout">The public parameters.</param>
    /// <param name="shares">This provider's n·V shares.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="ArgumentException">The number of shares is not n·V.</exception>
    public static SecurePool FromShares(IArithmeticBlackBox abb, SecureSelectionLayout layout, ReadOnlySpan<uint> shares)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(layout);
        long expected = (long)layout.CandidateCount * layout.ValueCount;
        if (shares.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} shares (n = {layout.CandidateCount} × V = {layout.ValueCount}); got {shares.Length}.", nameof(shares));
        }

        return new SecurePool(layout, abb.FromShares(shares));
    }

    /// <summary>Describes the pool without any share.</summary>
    /// <returns>The layout's description.</returns>
    public override string ToString() => $"SecurePool({Layout})";
}
