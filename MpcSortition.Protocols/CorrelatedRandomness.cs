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
/// <para>After c is computed, a_i and b_i are re-randomised with two more zero sharings (a_i + ζ_i, b_i + ζ'_i). The
/// sums a and b do not change, so the triple stays valid, but party i no longer knows party i+1's share of a or b.
/// Without this step every Beaver opening d = x − a would show party i the share x_{i+1}, which is harmless for
/// uniformly random sharings but leaks the secret of a skewed one such as (0, x, 0).</para>
/// <para>Every stream is a distinct HKDF-derived <see cref="AesCtrPrg"/>; no message is sent.</para>
/// </remarks>
public sealed class ReplicatedTripleSource : ICorrelatedRandomness, IDisposable
{
    private const int ChunkBytes = 32 * 1024;
    private readonly Streams _beaver;
    private readonly Streams _and;
    private readonly uint[] _t1 = new uint[ChunkBytes / sizeof(uint)], _t2 = new uint[ChunkBytes / sizeof(uint)], _t3 = new uint[ChunkBytes / sizeof(uint)];
    private readonly ulong[] _u1 = new ulong[ChunkBytes / sizeof(ulong)], _u2 = new ulong[ChunkBytes / sizeof(ulong)], _u3 = new ulong[ChunkBytes / sizeof(ulong)];

    /// <summary>Derives the triple streams from the session's pairwise seeds.</summary>
    /// <param name="session">A session of exactly three parties.</param>
    /// <exception cref="ArgumentException">The session does not have three parties.</exception>
    public ReplicatedTripleSource(PartySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.PartyCount != 3)
        {
            throw new ArgumentException($"Replicated triples need exactly 3 parties; this session has {session.PartyCount}.", nameof(session));
        }

        _beaver = new Streams(session, "beaver");
        _and = new Streams(session, "and");
    }

    /// <inheritdoc/>
    public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c) => Fill<uint, ArithmeticRing>(_beaver, a, b, c, _t1, _t2, _t3);

    /// <inheritdoc/>
    public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c) => Fill<ulong, BooleanRing>(_and, a, b, c, _u1, _u2, _u3);

    /// <summary>The triple formula, once for both rings (for bits + and − are ⊕ and · is ∧).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Fill<T, TRing>(Streams s, Span<T> a, Span<T> b, Span<T> c, T[] t1, T[] t2, T[] t3)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        CheckLengths(a.Length, b.Length, c.Length);
        int chunk = t1.Length;
        for (int start = 0; start < a.Length; start += chunk)
        {
            int len = Math.Min(chunk, a.Length - start);
            Span<T> ai = a.Slice(start, len), bi = b.Slice(start, len), ci = c.Slice(start, len);
            Span<T> aNext = t1.AsSpan(0, len), bNext = t2.AsSpan(0, len), scratch = t3.AsSpan(0, len);
            TRing.Fill(s.AOwn, ai);
            TRing.Fill(s.ANext, aNext);
            TRing.Fill(s.BOwn, bi);
            TRing.Fill(s.BNext, bNext);

            // c starts as this party's share of a zero sharing: F(k_{i,i+1}) − F(k_{i−1,i}).
            TRing.Fill(s.ZNext, ci);
            TRing.Fill(s.ZOwn, scratch);
            TRing.Subtract(ci, scratch, ci);

            // c += a_i (b_i + b_{i+1}) + a_{i+1} b_i
            TRing.Add(bi, bNext, bNext);
            TRing.MultiplyAccumulate(ai, bNext, ci, scratch);
            TRing.MultiplyAccumulate(aNext, bi, ci, scratch);

            // Re-randomise: a_i += ζ_i, b_i += ζ'_i for zero sharings ζ, ζ'. The sums a and b (so the triple) are
            // unchanged, but party i no longer knows the next party's component of a or b.
            AddZeroSharing<T, TRing>(ai, s.RaOwn, s.RaNext, aNext);
            AddZeroSharing<T, TRing>(bi, s.RbOwn, s.RbNext, aNext);
        }
    }

    /// <summary>component += F(k_{i,i+1}) − F(k_{i−1,i}): summed over the three parties the additions cancel.</summary>
    private static void AddZeroSharing<T, TRing>(Span<T> component, AesCtrPrg own, AesCtrPrg next, Span<T> scratch)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        TRing.Fill(next, scratch);
        TRing.Add(component, scratch, component);
        TRing.Fill(own, scratch);
        TRing.Subtract(component, scratch, component);
    }

    /// <summary>Disposes the generators.</summary>
    public void Dispose()
    {
        _beaver.Dispose();
        _and.Dispose();
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

    /// <summary>The ten streams of one ring. Component i of every replicated value comes from the seed of (i−1, i):
    /// "own" for party i, "next" for party i−1. Stream labels are those of the original per-ring code, so the
    /// triples are bit-identical to it.</summary>
    private sealed class Streams : IDisposable
    {
        internal Streams(PartySession session, string ring)
        {
            int prev = (session.PartyIndex + 2) % 3;
            int next = (session.PartyIndex + 1) % 3;
            AesCtrPrg Own(string purpose) => session.CreatePairStream(prev, $"{ring} {purpose}");
            AesCtrPrg Next(string purpose) => session.CreatePairStream(next, $"{ring} {purpose}");
            (AOwn, ANext) = (Own("a"), Next("a"));
            (BOwn, BNext) = (Own("b"), Next("b"));
            (ZOwn, ZNext) = (Own("zero"), Next("zero"));
            (RaOwn, RaNext) = (Own("a refresh"), Next("a refresh"));
            (RbOwn, RbNext) = (Own("b refresh"), Next("b refresh"));
        }

        internal AesCtrPrg AOwn { get; }

        internal AesCtrPrg ANext { get; }

        internal AesCtrPrg BOwn { get; }

        internal AesCtrPrg BNext { get; }

        internal AesCtrPrg ZOwn { get; }

        internal AesCtrPrg ZNext { get; }

        internal AesCtrPrg RaOwn { get; }

        internal AesCtrPrg RaNext { get; }

        internal AesCtrPrg RbOwn { get; }

        internal AesCtrPrg RbNext { get; }

        public void Dispose()
        {
            foreach (AesCtrPrg prg in new[] { AOwn, ANext, BOwn, BNext, ZOwn, ZNext, RaOwn, RaNext, RbOwn, RbNext })
            {
                prg.Dispose();
            }
        }
    }
}
