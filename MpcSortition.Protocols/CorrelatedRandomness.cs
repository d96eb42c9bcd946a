using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// <para>Every stream is a distinct HKDF-derived <see cref="AesCtrPrg"/>; no message is sent. Per triple each party
/// draws ten ring elements of keystream (40 bytes for Z_2^32, 80 bytes per 64 AND triples). The formula runs in one
/// pass over cache-sized chunks of the ten streams; inside the Beaver multiplication the same pass also writes the
/// openings d = x − a and e = y − b (the values are those of the step-by-step formula; only fewer arrays are
/// written).</para>
/// </remarks>
public sealed class ReplicatedTripleSource : ICorrelatedRandomness, IDisposable
{
    private const int ChunkBytes = 32 * 1024;

    /// <summary>Bytes of each of the ten keystream chunks of the one-pass formula: ten of them stay in a 48 KiB L1 cache.</summary>
    private const int FusedChunkBytes = 4 * 1024;
    private readonly Streams _beaver;
    private readonly Streams _and;
    private readonly uint[] _t1 = new uint[ChunkBytes / sizeof(uint)], _t2 = new uint[ChunkBytes / sizeof(uint)], _t3 = new uint[ChunkBytes / sizeof(uint)];
    private readonly ulong[] _u1 = new ulong[ChunkBytes / sizeof(ulong)], _u2 = new ulong[ChunkBytes / sizeof(ulong)], _u3 = new ulong[ChunkBytes / sizeof(ulong)];
    private readonly byte[] _keystream = new byte[10 * FusedChunkBytes];

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
    public void FillBeaverTriples(Span<uint> a, Span<uint> b, Span<uint> c)
    {
        // Stryker disable once Boolean : the one-pass kernel and the step-by-step formula draw the same triples (BeaverKernelTests); a mutant only picks the other path
        if (BeaverKernels.Enabled)
        {
            CheckLengths(a.Length, b.Length, c.Length);
            Generate<uint, ArithmeticLanes>(_beaver, default, default, a, b, c);
        }
        else
        {
            Fill<uint, ArithmeticRing>(_beaver, a, b, c, _t1, _t2, _t3);
        }
    }

    /// <inheritdoc/>
    public void FillAndTriples(Span<ulong> a, Span<ulong> b, Span<ulong> c)
    {
        // Stryker disable once Boolean : the one-pass kernel and the step-by-step formula draw the same triples (BeaverKernelTests); a mutant only picks the other path
        if (BeaverKernels.Enabled)
        {
            CheckLengths(a.Length, b.Length, c.Length);
            Generate<ulong, BooleanLanes>(_and, default, default, a, b, c);
        }
        else
        {
            Fill<ulong, BooleanRing>(_and, a, b, c, _u1, _u2, _u3);
        }
    }

    /// <summary>
    /// The Beaver multiplication's first step in one pass: fresh triples (a, b, c) exactly as <see cref="FillBeaverTriples"/>
    /// (or <see cref="FillAndTriples"/> for <see cref="ulong"/>) would draw them, but written as the openings
    /// d = x − a and e = y − b (⊕ for bits) and c; a and b are x − d and y − e. Only where <see cref="BeaverKernels.Enabled"/>.
    /// </summary>
    internal void FillMasked<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d, Span<T> e, Span<T> c)
        where T : unmanaged
    {
        CheckLengths(c.Length, d.Length, e.Length);
        CheckLengths(c.Length, x.Length, y.Length);
        if (typeof(T) == typeof(uint))
        {
            Generate<uint, ArithmeticLanes>(_beaver, Cast<T, uint>(x), Cast<T, uint>(y), Cast<T, uint>(d), Cast<T, uint>(e), Cast<T, uint>(c));
        }
        else if (typeof(T) == typeof(ulong))
        {
            Generate<ulong, BooleanLanes>(_and, Cast<T, ulong>(x), Cast<T, ulong>(y), Cast<T, ulong>(d), Cast<T, ulong>(e), Cast<T, ulong>(c));
        }
        else
        {
            throw new NotSupportedException($"No triples over {typeof(T).Name}.");
        }
    }

    /// <summary>The step-by-step formula (one pass per operation), kept for CPUs without 256-bit vectors; the tests
    /// compare it with the one-pass kernel.</summary>
    internal void FillBeaverTriplesStepwise(Span<uint> a, Span<uint> b, Span<uint> c) => Fill<uint, ArithmeticRing>(_beaver, a, b, c, _t1, _t2, _t3);

    /// <summary>The step-by-step boolean formula; see <see cref="FillBeaverTriplesStepwise"/>.</summary>
    internal void FillAndTriplesStepwise(Span<ulong> a, Span<ulong> b, Span<ulong> c) => Fill<ulong, BooleanRing>(_and, a, b, c, _u1, _u2, _u3);

    private static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => MemoryMarshal.Cast<TFrom, TTo>(span);

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => MemoryMarshal.Cast<TFrom, TTo>(span);

    /// <summary>The one-pass formula (<see cref="BeaverKernels.Triples"/>) over L1-sized chunks of the ten streams; with
    /// <paramref name="x"/> empty it writes a and b, otherwise the openings x − a and y − b. Compiled fully optimised at
    /// once: it runs once per multiplication, too rarely for tiering to reach its loop before a short run is over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Generate<T, TLanes>(Streams s, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> aOrD, Span<T> bOrE, Span<T> c)
        where T : unmanaged
        where TLanes : IRingLanes<T>
    {
        int chunk = FusedChunkBytes / Unsafe.SizeOf<T>();
        Span<T> k = MemoryMarshal.Cast<byte, T>(_keystream.AsSpan());
        // Stryker disable once Equality : one more pass of length 0 draws and writes nothing (equivalent mutant)
        for (int start = 0; start < c.Length; start += chunk)
        {
            int len = Math.Min(chunk, c.Length - start);
            Span<T> Draw(AesCtrPrg prg, Span<T> all, int slot)
            {
                Span<T> part = all.Slice(slot * chunk, len);
                prg.FillBytes(MemoryMarshal.AsBytes(part));
                return part;
            }

            Span<T> aOwn = Draw(s.AOwn, k, 0), aNext = Draw(s.ANext, k, 1), bOwn = Draw(s.BOwn, k, 2), bNext = Draw(s.BNext, k, 3);
            Span<T> zOwn = Draw(s.ZOwn, k, 4), zNext = Draw(s.ZNext, k, 5);
            Span<T> raOwn = Draw(s.RaOwn, k, 6), raNext = Draw(s.RaNext, k, 7), rbOwn = Draw(s.RbOwn, k, 8), rbNext = Draw(s.RbNext, k, 9);
            BeaverKernels.Triples<T, TLanes>(
                aOwn, aNext, bOwn, bNext, zOwn, zNext, raOwn, raNext, rbOwn, rbNext,
                x.IsEmpty ? default : x.Slice(start, len), y.IsEmpty ? default : y.Slice(start, len),
                aOrD.Slice(start, len), bOrE.Slice(start, len), c.Slice(start, len));
        }
    }

    /// <summary>The triple formula, once for both rings (for bits + and − are ⊕ and · is ∧).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Fill<T, TRing>(Streams s, Span<T> a, Span<T> b, Span<T> c, T[] t1, T[] t2, T[] t3)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        CheckLengths(a.Length, b.Length, c.Length);
        int chunk = t1.Length;
        // Stryker disable once Equality : one more pass of length 0 draws and writes nothing (equivalent mutant)
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

    /// <summary>The buffer of the last keystream chunk drawn for triples (tests only: to check that
    /// <see cref="Dispose"/> clears it).</summary>
    internal byte[] KeystreamBuffer => _keystream;

    /// <summary>Disposes the generators.</summary>
    public void Dispose()
    {
        Array.Clear(_keystream);
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
