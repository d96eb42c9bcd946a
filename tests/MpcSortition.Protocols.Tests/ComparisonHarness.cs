using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>Runs one SPMD program at three in-memory parties (dealer-free triples) and recombines their shares.</summary>
internal static class ComparisonHarness
{
    internal const int PartyCount = 3;

    /// <summary>The labels of the only openings a comparison protocol may perform: Beaver-masked values.</summary>
    internal static readonly string[] MaskedLabels = [SemiHonestBlackBox.AndOpenLabel, SemiHonestBlackBox.BeaverOpenLabel];

    internal static async Task<T[]> RunAsync<T>(Func<IArithmeticBlackBox, Task<T>> program, int parties = PartyCount)
    {
        ITransport[] transports = InMemoryNetwork.Create(parties, TimeSpan.FromSeconds(30));
        DealerTripleSource[]? dealer = parties == 3 ? null : DealerTripleSource.CreateForSimulation(parties);
        Task<T>[] tasks = transports.Select(async (t, p) =>
        {
            PartySession session = await PartySession.EstablishAsync(t);
            await using var abb = new SemiHonestBlackBox(session, dealer?[p]);
            return await program(abb);
        }).ToArray();
        return await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Additive shares of public test values, as an outside contributor would deal them.</summary>
    internal static uint[][] Deal(uint[] values, AesCtrPrg prg, int parties = PartyCount)
    {
        var shares = new uint[parties][];
        for (int p = 1; p < parties; p++)
        {
            shares[p] = new uint[values.Length];
            prg.Fill(shares[p]);
        }

        shares[0] = (uint[])values.Clone();
        for (int p = 1; p < parties; p++)
        {
            Ring32.Subtract(shares[0], shares[p], shares[0]);
        }

        return shares;
    }

    internal static AesCtrPrg Prg(int seed)
    {
        var key = new byte[AesCtrPrg.SeedSize];
        BitConverter.GetBytes(seed).CopyTo(key, 0);
        return new AesCtrPrg(key);
    }

    /// <summary>Reconstructs XOR-shared bits from the parties' shares into one bool per bit.</summary>
    internal static bool[] OpenBits(ulong[][] shares, int bitLength)
    {
        var r = new bool[bitLength];
        for (int i = 0; i < bitLength; i++)
        {
            ulong b = 0;
            foreach (ulong[] s in shares)
            {
                b ^= s[i >> 6] >> (i & 63);
            }

            r[i] = (b & 1) == 1;
        }

        return r;
    }

    /// <summary>Reconstructs additively shared values.</summary>
    internal static uint[] OpenValues(uint[][] shares)
    {
        var r = new uint[shares[0].Length];
        foreach (uint[] s in shares)
        {
            Ring32.Add(r, s, r);
        }

        return r;
    }

    /// <summary>Boundary values of the 32-bit ring.</summary>
    internal static readonly uint[] Boundaries = [0u, 1u, 0x7FFF_FFFFu, 0x8000_0000u, 0xFFFF_FFFFu];

    /// <summary>Random values with a bias towards boundaries and ties.</summary>
    internal static uint[] Values(AesCtrPrg prg, int count)
    {
        var r = new uint[count];
        prg.Fill(r);
        for (int i = 0; i < count; i++)
        {
            uint pick = r[i] % 8;
            if (pick < 3)
            {
                r[i] = Boundaries[(int)((r[i] >> 8) % (uint)Boundaries.Length)] + (uint)((int)((r[i] >> 16) % 5) - 2);
            }
        }

        return r;
    }
}
