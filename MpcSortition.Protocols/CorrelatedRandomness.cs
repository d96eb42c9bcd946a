using System.Buffers;
using System.Numerics.Tensors;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>
/// A source of this party's shares of multiplication triples. Every party of a session calls the same methods
/// with the same lengths in the same order (SPMD); the shares of all parties then add up (or XOR up) to
/// triples a·b = c with a and b uniformly random and unknown to any single party.
/// </summary>
public interface ICorrelatedRandomness
{
    /// <summary>Fills this party's additive shares of <c>a.Length</c> Beaver triples over Z_2^32: Σa · Σb = Σc mod 2^32.</summary>
    /// <param name="a">Receives shares of a.</param>
    /// <param name="b">Receives shares of b; same length.</param>
    /// <param name="c">Receives shares of c = a·b; same length.</param>
    void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c);

    /// <summary>Fills this party's XOR shares of 64·<c>a.Length</c> boolean AND triples, packed: (⊕a) ∧ (⊕b) = ⊕c bitwise.</summary>
    /// <param name="a">Receives shares of a.</param>
    /// <param name="b">Receives shares of b; same length.</param>
    /// <param name="c">Receives shares of c = a ∧ b; same length.</param>
    void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c);
}

/// <summary>
/// Dealer-free, communication-free triples for exactly three parties from the pairwise seeds (the replicated
/// randomness of Araki, Furukawa, Lindell, Nof and Ohara, CCS 2016).
/// </summary>
/// <remarks>
/// <para>Write a = a₀ + a₁ + a₂ where component a_j is expanded from the seed shared by parties j−1 and j
/// (indices mod 3). Party i therefore knows a_i and a_{i+1} but not a_{i+2}; the same for b. With a zero sharing
/// z_i = F(k_{i,i+1}) − F(k_{i−1,i}) (which sums to 0), party i sets
/// c_i = a_i·b_i + a_i·b_{i+1} + a_{i+1}·b_i + z_i. Summed over i these nine cross terms are exactly a·b, so
/// (a_i, b_i, c_i) are additive shares of a triple. Boolean triples are the same with XOR and AND.</para>
/// <para>Every stream is a distinct HKDF-derived <see cref="AesCtrPrg"/>; no message is sent.</para>
/// </remarks>
public sealed class ReplicatedTripleSource : ICorrelatedRandomness, IDisposable
{
    private const int Chunk = 8192;
    private readonly AesCtrPrg _aOwn, _aNext, _bOwn, _bNext, _zOwn, _zNext;
    private readonly AesCtrPrg _xOwn, _xNext, _yOwn, _yNext, _wOwn, _wNext;
    private readonly uint[] _t1 = new uint[Chunk], _t2 = new uint[Chunk], _t3 = new uint[Chunk];
    private readonly ulong[] _u1 = new ulong[Chunk / 2], _u2 = new ulong[Chunk / 2], _u3 = new ulong[Chunk / 2];

    /// <summary>Derives the triple streams from the session's pairwise seeds.</summary>
    /// <param name="session">A session of exactly three parties.</param>
    /// <exception cref="ArgumentException">The session does not have three parties.</exception>
    public ReplicatedTripleSource(PartySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.PartyCount != 3)
        {
            throw new ArgumentException($"Replicated triples need exactly 3 parties; this session has {session.PartyCount}. Use DealerTripleSource for simulations with other party counts.", nameof(session));
        }

        int prev = (session.PartyIndex + 2) % 3;
        int next = (session.PartyIndex + 1) % 3;

        // Component i of every replicated value comes from the seed of (i-1, i): "own" for party i, "next" for party i-1.
        _aOwn = session.CreatePairStream(prev, "beaver a");
        _aNext = session.CreatePairStream(next, "beaver a");
        _bOwn = session.CreatePairStream(prev, "beaver b");
        _bNext = session.CreatePairStream(next, "beaver b");
        _zOwn = session.CreatePairStream(prev, "beaver zero");
        _zNext = session.CreatePairStream(next, "beaver zero");
        _xOwn = session.CreatePairStream(prev, "and a");
        _xNext = session.CreatePairStream(next, "and a");
        _yOwn = session.CreatePairStream(prev, "and b");
        _yNext = session.CreatePairStream(next, "and b");
        _wOwn = session.CreatePairStream(prev, "and zero");
        _wNext = session.CreatePairStream(next, "and zero");
    }

    /// <inheritdoc/>
    public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c)
    {
        CheckLengths(a.Length, b.Length, c.Length);
        for (int start = 0; start < a.Length; start += Chunk)
        {
            int len = Math.Min(Chunk, a.Length - start);
            Span<uint> ai = a.Slice(start, len), bi = b.Slice(start, len), ci = c.Slice(start, len);
            Span<uint> aNext = _t1.AsSpan(0, len), bNext = _t2.AsSpan(0, len), z = _t3.AsSpan(0, len);
            _aOwn.Fill(ai);
            _aNext.Fill(aNext);
            _bOwn.Fill(bi);
            _bNext.Fill(bNext);

            // z = F(k_{i,i+1}) - F(k_{i-1,i}); ci temporarily holds the second stream.
            _zNext.Fill(z);
            _zOwn.Fill(ci);
            TensorPrimitives.Subtract(z, ci, z);

            // c = a_i (b_i + b_{i+1}) + a_{i+1} b_i + z
            TensorPrimitives.Add(bi, bNext, bNext);
            TensorPrimitives.MultiplyAdd(ai, bNext, z, ci);
            TensorPrimitives.MultiplyAdd(aNext, bi, ci, ci);
        }
    }

    /// <inheritdoc/>
    public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c)
    {
        CheckLengths(a.Length, b.Length, c.Length);
        int chunk = _u1.Length;
        for (int start = 0; start < a.Length; start += chunk)
        {
            int len = Math.Min(chunk, a.Length - start);
            Span<ulong> ai = a.Slice(start, len), bi = b.Slice(start, len), ci = c.Slice(start, len);
            Span<ulong> aNext = _u1.AsSpan(0, len), bNext = _u2.AsSpan(0, len), z = _u3.AsSpan(0, len);
            _xOwn.Fill(ai);
            _xNext.Fill(aNext);
            _yOwn.Fill(bi);
            _yNext.Fill(bNext);
            _wNext.Fill(z);
            _wOwn.Fill(ci);
            TensorPrimitives.Xor(z, ci, z);

            // c = a_i ∧ (b_i ⊕ b_{i+1}) ⊕ a_{i+1} ∧ b_i ⊕ z
            TensorPrimitives.Xor(bi, bNext, bNext);
            TensorPrimitives.BitwiseAnd(ai, bNext, ci);
            TensorPrimitives.Xor(ci, z, ci);
            TensorPrimitives.BitwiseAnd(aNext, bi, z);
            TensorPrimitives.Xor(ci, z, ci);
        }
    }

    /// <summary>Disposes the generators.</summary>
    public void Dispose()
    {
        foreach (AesCtrPrg prg in new[] { _aOwn, _aNext, _bOwn, _bNext, _zOwn, _zNext, _xOwn, _xNext, _yOwn, _yNext, _wOwn, _wNext })
        {
            prg.Dispose();
        }
    }

    /// <summary>Describes the source without secrets.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "ReplicatedTripleSource(3 parties, dealer-free)";

    internal static void CheckLengths(int a, int b, int c)
    {
        if (b != a || c != a)
        {
            throw new ArgumentException($"Triple share spans must have equal lengths; got a: {a}, b: {b}, c: {c}.");
        }
    }
}

/// <summary>
/// FOR TESTS AND SIMULATION ONLY: a trusted-dealer triple source. Every party's instance expands the same
/// dealer seed, so whoever holds the seed knows every triple; a real deployment must use
/// <see cref="ReplicatedTripleSource"/>. It works for any number of parties (n ≥ 2).
/// </summary>
public sealed class DealerTripleSource : ICorrelatedRandomness, IDisposable
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
    public static DealerTripleSource[] CreateForSimulation(int parties)
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
