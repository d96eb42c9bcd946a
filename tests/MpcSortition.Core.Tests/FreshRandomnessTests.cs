namespace MpcSortition.Core.Tests;

/// <summary>
/// What an attacker who sees one share, or who guesses that a "fresh" generator runs on a public key, would notice.
/// Each test is aimed at one line whose removal would leave every other test green: the OS seed of
/// <see cref="AesCtrPrg.CreateRandom"/>, and the PRG fill of the scalar and boolean splits.
/// </summary>
/// <remarks>
/// False alarms. The tests on OS randomness cannot be seeded; each states the probability that a correct implementation
/// fails it, all below 10^-6. The tests through the seeded internal splitters are deterministic (fixed seed) and use a
/// chi-square bound at a false-alarm rate of 10^-6 for a random seed (Wilson–Hilferty, as in <see cref="UniformityTests"/>).
/// </remarks>
public class FreshRandomnessTests
{
    private const double Z = 4.753; // one-sided standard normal quantile for 1e-6

    [Fact]
    public void TwoFreshGeneratorsDifferAndNeitherIsTheAllZeroKeyStream()
    {
        // A correct CreateRandom draws a 128-bit key from the OS: two equal 32-byte prefixes, or a prefix equal to
        // the zero-key stream, happen with probability about 2^-256 each.
        byte[] zeroKey = Draw(new AesCtrPrg(new byte[AesCtrPrg.SeedSize]));
        byte[] a = Draw(AesCtrPrg.CreateRandom());
        byte[] b = Draw(AesCtrPrg.CreateRandom());
        Assert.NotEqual(a, b);
        Assert.NotEqual(zeroKey, a);
        Assert.NotEqual(zeroKey, b);
    }

    [Fact]
    public void ScalarSplitDoesNotLeaveTheSecretInAnyShare()
    {
        // With a correct splitter every share is uniform, so P(some share of one split equals the secret) ≤ 3·2^-32 and
        // the chance that this happens in more than 5 of 2000 splits is below 10^-30. A splitter that skips its PRG fill
        // leaves the secret in share 0 every time.
        const uint Secret = 0xC0FFEE42u;
        int leaks = 0;
        var shares = new uint[3];
        for (int i = 0; i < 2000; i++)
        {
            AdditiveSharing.Split(Secret, shares);
            Assert.Equal(Secret, AdditiveSharing.Reconstruct(shares));
            leaks += shares.Count(s => s == Secret);
        }

        Assert.True(leaks <= 5, $"{leaks} of 2000 splits left the secret in a share");
    }

    [Fact]
    public void ScalarSplitSharesAreUniformWhateverTheSecret()
    {
        // Seeded: 2^16 scalar splits of one secret into 3 shares; each share's high byte must look uniform.
        const int Samples = 1 << 16;
        var seed = new byte[AesCtrPrg.SeedSize];
        seed[0] = 11;
        using var prg = new AesCtrPrg(seed);
        var counts = new long[3, 256];
        Span<uint> shares = stackalloc uint[3];
        for (int i = 0; i < Samples; i++)
        {
            AdditiveSharing.Split(0x8000_0001u, shares, prg);
            for (int p = 0; p < 3; p++)
            {
                counts[p, shares[p] >> 24]++;
            }
        }

        for (int p = 0; p < 3; p++)
        {
            double chi = ChiSquare(Enumerable.Range(0, 256).Select(b => counts[p, b]).ToArray(), Samples);
            Assert.True(chi < Critical(255), $"party {p}: chi-square {chi:F1}");
        }
    }

    [Fact]
    public void BooleanSplitDoesNotLeaveTheSecretBitsWithParty0()
    {
        // 130 secret bits (all ones), shared 500 times among 3 parties. With a correct splitter a single share equals
        // the secret with probability 2^-130; a splitter without its PRG fill hands party 0 the secret every time.
        ulong[] secret = [ulong.MaxValue, ulong.MaxValue, 0b11UL];
        for (int i = 0; i < 500; i++)
        {
            BitShareVector[] s = BooleanSharing.Split(secret, 130, 3);
            Assert.Equal(secret, BooleanSharing.Reconstruct(s));
            foreach (BitShareVector share in s)
            {
                Assert.NotEqual(secret, share.Words.ToArray());
            }
        }
    }

    [Fact]
    public void EachBooleanShareIsUniformAndIndependentOfTheSecret()
    {
        // Seeded: 2^14 splits of an all-zero and an all-one 64-bit secret among 3 parties. For every party, the count of
        // ones at each of the 64 bit positions must be binomial(2^14, 1/2): the sum over positions of the squared
        // z-scores is chi-square with 64 degrees of freedom.
        const int Samples = 1 << 14;
        foreach (ulong secret in new[] { 0UL, ulong.MaxValue })
        {
            var seed = new byte[AesCtrPrg.SeedSize];
            seed[1] = 23;
            using var prg = new AesCtrPrg(seed);
            var ones = new long[3, 64];
            for (int i = 0; i < Samples; i++)
            {
                BitShareVector[] s = BooleanSharing.Split([secret], 64, 3, prg);
                for (int p = 0; p < 3; p++)
                {
                    ulong w = s[p].Words[0];
                    for (int b = 0; b < 64; b++)
                    {
                        ones[p, b] += (long)((w >> b) & 1);
                    }
                }
            }

            for (int p = 0; p < 3; p++)
            {
                double chi = 0;
                for (int b = 0; b < 64; b++)
                {
                    double z = (ones[p, b] - (Samples / 2.0)) / Math.Sqrt(Samples / 4.0);
                    chi += z * z;
                }

                Assert.True(chi < Critical(64), $"secret {secret:X}, party {p}: chi-square {chi:F1}");
            }
        }
    }

    [Fact]
    public void BooleanSharesKeepTheBitsPastTheEndZero()
    {
        // Party p's vector is what it sends or stores: bits past BitLength must be zero in every share, not just in the XOR.
        for (int i = 0; i < 50; i++)
        {
            foreach (BitShareVector s in BooleanSharing.Split([ulong.MaxValue, ulong.MaxValue], 70, 3))
            {
                Assert.Equal(0UL, s.Words[1] >> 6);
            }
        }
    }

    private static byte[] Draw(AesCtrPrg prg)
    {
        using (prg)
        {
            var bytes = new byte[32];
            prg.FillBytes(bytes);
            return bytes;
        }
    }

    private static double ChiSquare(long[] counts, long total)
    {
        double expected = (double)total / counts.Length;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    private static double Critical(int dof)
    {
        double h = 2.0 / (9.0 * dof);
        return dof * Math.Pow(1 - h + (Z * Math.Sqrt(h)), 3);
    }
}
