using System.Buffers;
using System.Numerics.Tensors;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// FOR TESTS AND SIMULATION ONLY: a trusted-dealer triple source. Every party's instance expands the same
/// dealer seed, so whoever holds the seed knows every triple; a real deployment must use
/// <see cref="ReplicatedTripleSource"/>. It works for any number of parties (n ≥ 2).
/// </summary>
internal sealed class DealerTripleSource : ICorrelatedRandomness, IDisposable
{
    private readonly int _party;
    private readonly int _parties;
    private readonly AesCtrPrg _dealer;

    private DealerTripleSource(int party, int parties, ReadOnlySpan<byte> seed)
    {
        _party = party;
        _parties = parties;
        _dealer = new AesCtrPrg(seed);
    }

    /// <summary>Creates one instance per simulated party, all driven by one fresh dealer seed.</summary>
    /// <param name="parties">Number of parties, at least 2.</param>
    /// <returns>Element i is party i's source.</returns>
    internal static DealerTripleSource[] CreateForSimulation(int parties)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 2);
        byte[] seed = AesCtrPrg.CreateSeed();
        var result = new DealerTripleSource[parties];
        for (int p = 0; p < parties; p++)
        {
            result[p] = new DealerTripleSource(p, parties, seed);
        }

        return result;
    }

    /// <inheritdoc/>
    public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c)
    {
        ReplicatedTripleSource.CheckLengths(a.Length, b.Length, c.Length);
        int m = a.Length;
        uint[] all = ArrayPool<uint>.Shared.Rent(3 * m * _parties + 3 * m);
        try
        {
            // Layout: for each party p, shares (a_p, b_p, c_p); then totals A, B.
            Span<uint> shares = all.AsSpan(0, 3 * m * _parties);
            _dealer.Fill(shares);
            Span<uint> sumA = all.AsSpan(3 * m * _parties, m), sumB = all.AsSpan((3 * m * _parties) + m, m), sumC = all.AsSpan((3 * m * _parties) + (2 * m), m);
            sumA.Clear();
            sumB.Clear();
            sumC.Clear();
            for (int p = 0; p < _parties; p++)
            {
                TensorPrimitives.Add(sumA, shares.Slice(3 * m * p, m), sumA);
                TensorPrimitives.Add(sumB, shares.Slice((3 * m * p) + m, m), sumB);
                if (p != 0)
                {
                    TensorPrimitives.Add(sumC, shares.Slice((3 * m * p) + (2 * m), m), sumC);
                }
            }

            shares.Slice(3 * m * _party, m).CopyTo(a);
            shares.Slice((3 * m * _party) + m, m).CopyTo(b);
            if (_party == 0)
            {
                // c_0 = A·B − Σ_{p>0} c_p
                TensorPrimitives.Multiply(sumA, sumB, c);
                TensorPrimitives.Subtract(c, sumC, c);
            }
            else
            {
                shares.Slice((3 * m * _party) + (2 * m), m).CopyTo(c);
            }
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(all);
        }
    }

    /// <inheritdoc/>
    public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c)
    {
        ReplicatedTripleSource.CheckLengths(a.Length, b.Length, c.Length);
        int m = a.Length;
        ulong[] all = ArrayPool<ulong>.Shared.Rent((3 * m * _parties) + (3 * m));
        try
        {
            Span<ulong> shares = all.AsSpan(0, 3 * m * _parties);
            _dealer.Fill(shares);
            Span<ulong> xa = all.AsSpan(3 * m * _parties, m), xb = all.AsSpan((3 * m * _parties) + m, m), xc = all.AsSpan((3 * m * _parties) + (2 * m), m);
            xa.Clear();
            xb.Clear();
            xc.Clear();
            for (int p = 0; p < _parties; p++)
            {
                TensorPrimitives.Xor(xa, shares.Slice(3 * m * p, m), xa);
                TensorPrimitives.Xor(xb, shares.Slice((3 * m * p) + m, m), xb);
                if (p != 0)
                {
                    TensorPrimitives.Xor(xc, shares.Slice((3 * m * p) + (2 * m), m), xc);
                }
            }

            shares.Slice(3 * m * _party, m).CopyTo(a);
            shares.Slice((3 * m * _party) + m, m).CopyTo(b);
            if (_party == 0)
            {
                TensorPrimitives.BitwiseAnd(xa, xb, c);
                TensorPrimitives.Xor(c, xc, c);
            }
            else
            {
                shares.Slice((3 * m * _party) + (2 * m), m).CopyTo(c);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(all);
        }
    }

    /// <summary>Disposes the dealer generator.</summary>
    public void Dispose() => _dealer.Dispose();

    /// <summary>Describes the source without secrets.</summary>
    /// <returns>A fixed description that says this is a simulation dealer.</returns>
    public override string ToString() => $"DealerTripleSource(simulation only, party {_party} of {_parties})";
}
