namespace MpcSortition.Core.Tests;

/// <summary>
/// Any n−1 shares of a fixed secret are uniformly distributed. Chi-square tests over many splits drawn
/// from a fixed-seed PRG (so the run is reproducible). Each statistic is compared with the critical
/// value of its χ² distribution at a false-alarm rate of 10^-6 per test, computed with the
/// Wilson–Hilferty approximation; for a correct splitter and a random seed the whole class would fail
/// with probability below 10^-5.
/// </summary>
public class UniformityTests
{
    private const int Samples = 1 << 17;
    private const double Z = 4.753; // one-sided standard normal quantile for 1e-6

    public static TheoryData<uint, int> Secrets() => new()
    {
        { 0u, 2 },
        { 0u, 3 },
        { 0xFFFF_FFFFu, 3 },
        { 0x8000_0000u, 3 },
        { 0xDEAD_BEEFu, 5 },
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public void EveryNMinusOneSubsetOfSharesIsUniform(uint secret, int n)
    {
        uint[][] shares = SplitMany(secret, n, seed: 7);
        for (int omitted = 0; omitted < n; omitted++)
        {
            int[] subset = Enumerable.Range(0, n).Where(p => p != omitted).ToArray();
            foreach (int p in subset)
            {
                // marginal: high byte and low byte of one share
                AssertUniform(shares[p], v => v >> 24, 256, $"party {p} high byte");
                AssertUniform(shares[p], v => v & 0xFF, 256, $"party {p} low byte");
            }

            if (subset.Length >= 2)
            {
                // joint: low nibbles of two shares together (the secret enters additively in the low bits)
                uint[] a = shares[subset[0]], b = shares[subset[1]];
                var joint = new uint[Samples];
                for (int i = 0; i < Samples; i++)
                {
                    joint[i] = ((a[i] & 0xF) << 4) | (b[i] & 0xF);
                }

                AssertUniform(joint, v => v, 256, $"parties {subset[0]},{subset[1]} joint low nibbles");
            }
        }
    }

    [Fact]
    public void TheTestDetectsABrokenSplitter()
    {
        // All n shares together are not uniform (they sum to the secret): the statistic must flag that.
        uint[][] shares = SplitMany(0xDEAD_BEEFu, 2, seed: 7);
        var sumLow = new uint[Samples];
        for (int i = 0; i < Samples; i++)
        {
            sumLow[i] = (shares[0][i] + shares[1][i]) & 0xFF;
        }

        Assert.True(ChiSquare(sumLow, v => v, 256) > Critical(255));
    }

    private static uint[][] SplitMany(uint secret, int n, byte seed)
    {
        var seedBytes = new byte[16];
        seedBytes[0] = seed;
        using var prg = new AesCtrPrg(seedBytes);
        var secrets = new uint[Samples];
        secrets.AsSpan().Fill(secret);
        ShareVector[] s = AdditiveSharing.Split(secrets, n, prg);
        return s.Select(v => v.Values.ToArray()).ToArray();
    }

    private static void AssertUniform(uint[] values, Func<uint, uint> bin, int bins, string what)
    {
        double chi = ChiSquare(values, bin, bins);
        double critical = Critical(bins - 1);
        Assert.True(chi < critical, $"{what}: chi-square {chi:F1} exceeds the 1e-6 critical value {critical:F1}");
    }

    private static double ChiSquare(uint[] values, Func<uint, uint> bin, int bins)
    {
        var counts = new long[bins];
        foreach (uint v in values)
        {
            counts[bin(v)]++;
        }

        double expected = (double)values.Length / bins;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    private static double Critical(int dof)
    {
        double h = 2.0 / (9.0 * dof);
        return dof * Math.Pow(1 - h + Z * Math.Sqrt(h), 3);
    }
}
