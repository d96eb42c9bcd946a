using MpcSortition.Core;
using MpcSortition.Selection;

namespace MpcSortition.Selection.Tests;

/// <summary>Test instances: the rebuilt Nature 2021 examples, the copied OpenDLP fixtures, and generated feasible problems.</summary>
internal static class Instances
{
    internal static string DataDir => Path.Combine(AppContext.BaseDirectory, "Data");

    internal static string Fixture150 => Path.Combine(DataDir, "opendlp_selection_fixture_150");

    internal static string Sample20 => Path.Combine(DataDir, "opendlp_csv_upload_sample_20");

    /// <summary>The shared data folder, when this machine has it (tests never depend on it).</summary>
    internal static string? SharedData => Directory.Exists("/work/shared/data") ? "/work/shared/data" : null;

    /// <summary>
    /// example_small_20 (Flanigan et al. 2021), rebuilt from its description: 200 people = 1 female-conservative,
    /// 99 female-liberal, 100 male-conservative (in that order, as the sorted file lists them); every value min 9 max 20; k = 20.
    /// </summary>
    internal static SelectionProblem ExampleSmall20() => GenderLeaning(1, 99, 100, min: 9, max: 20, k: 20);

    /// <summary>
    /// example_large_200 rebuilt from its counts (1 female-conservative, 999 female-liberal, 1000 male-conservative) and
    /// quotas (every value min 99 max 200); k = 200.
    /// </summary>
    internal static SelectionProblem ExampleLarge200() => GenderLeaning(1, 999, 1000, min: 99, max: 200, k: 200);

    internal static SelectionProblem GenderLeaning(int femaleConservative, int femaleLiberal, int maleConservative, int min, int max, int k)
    {
        // Quota order as in the published categories.csv: gender (female, male), then leaning (liberal, conservative).
        Feature[] features =
        [
            new("gender", [new FeatureValue("female", min, max), new FeatureValue("male", min, max)]),
            new("leaning", [new FeatureValue("liberal", min, max), new FeatureValue("conservative", min, max)]),
        ];
        var candidates = new List<Candidate>();
        void Add(int count, string gender, string leaning)
        {
            for (int i = 0; i < count; i++)
            {
                candidates.Add(new Candidate(candidates.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), [gender, leaning]));
            }
        }

        Add(femaleConservative, "female", "conservative");
        Add(femaleLiberal, "female", "liberal");
        Add(maleConservative, "male", "conservative");
        return new SelectionProblem(features, candidates, k);
    }

    internal static SortitionData ReadFixture150(bool addresses = true) =>
        SortitionCsv.Read(
            Path.Combine(Fixture150, "candidates.csv"),
            Path.Combine(Fixture150, "features.csv"),
            new SortitionCsvOptions { AddressColumns = addresses ? ["primary_address1", "primary_zip"] : [] });

    /// <summary>
    /// A random problem that has at least one valid panel: a random pool, a random witness panel, and quotas that contain
    /// the witness's counts with random slack. Optionally some people share addresses (never two witnesses).
    /// </summary>
    internal static SelectionProblem GenerateFeasible(uint seed, bool addresses = false)
    {
        byte[] key = new byte[16];
        BitConverter.TryWriteBytes(key, seed);
        key[15] = addresses ? (byte)1 : (byte)0;
        using var prg = new AesCtrPrg(key);
        int Next(int bound) => (int)(prg.NextUInt32() % (uint)bound);

        int featureCount = 1 + Next(4);
        int n = 2 + Next(60);
        int k = 1 + Next(n);
        var valueCounts = Enumerable.Range(0, featureCount).Select(_ => 1 + Next(5)).ToArray();
        var values = new int[n][];
        for (int i = 0; i < n; i++)
        {
            values[i] = valueCounts.Select(Next).ToArray();
        }

        // The witness: a random k-subset.
        int[] order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var witness = new HashSet<int>(order.Take(k));
        var features = new List<Feature>();
        for (int f = 0; f < featureCount; f++)
        {
            var fv = new List<FeatureValue>();
            for (int v = 0; v < valueCounts[f]; v++)
            {
                int count = witness.Count(i => values[i][f] == v);
                int min = Math.Max(0, count - Next(3));
                int max = count + Next(3);
                fv.Add(new FeatureValue($"v{v}", min, max));
            }

            features.Add(new Feature($"f{f}", fv));
        }

        var candidates = new List<Candidate>();
        for (int i = 0; i < n; i++)
        {
            string? address = null;
            if (addresses && !witness.Contains(i) && Next(2) == 0)
            {
                // Share the address of a random other person (never makes two witnesses share one).
                address = $"a{order[Next(n)]}";
            }
            else if (addresses)
            {
                address = $"a{i}";
            }

            candidates.Add(new Candidate($"p{i}", values[i].Select(v => $"v{v}"), address));
        }

        return new SelectionProblem(features, candidates, k);
    }
}

/// <summary>A tape that replays given words and counts how many were read.</summary>
internal sealed class CountingTape(IRandomTape inner) : IRandomTape
{
    public int Read { get; private set; }

    public ulong NextUInt64()
    {
        Read++;
        return inner.NextUInt64();
    }
}

/// <summary>A tape of fixed words (repeating the last when exhausted).</summary>
internal sealed class FixedTape(params ulong[] words) : IRandomTape
{
    private int _next;

    public ulong NextUInt64() => words[Math.Min(_next++, words.Length - 1)];
}
