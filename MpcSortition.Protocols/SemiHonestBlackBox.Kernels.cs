using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MpcSortition.Protocols;

/// <summary>
/// The element-wise operations of a share ring on one value and on a vector of values, for the fused kernels of the
/// Beaver engine (Z_2^32: +, −, ·; packed bits: ⊕, ⊕, ∧). Static abstract members, so each ring compiles to its own
/// inlined loop.
/// </summary>
internal interface IRingLanes<T>
    where T : unmanaged
{
    static abstract T Add(T x, T y);

    static abstract T Subtract(T x, T y);

    static abstract T Multiply(T x, T y);

    static abstract Vector256<T> Add(Vector256<T> x, Vector256<T> y);

    static abstract Vector256<T> Subtract(Vector256<T> x, Vector256<T> y);

    static abstract Vector256<T> Multiply(Vector256<T> x, Vector256<T> y);
}

/// <summary>Z_2^32 lanes.</summary>
internal readonly struct ArithmeticLanes : IRingLanes<uint>
{
    public static uint Add(uint x, uint y) => x + y;

    public static uint Subtract(uint x, uint y) => x - y;

    public static uint Multiply(uint x, uint y) => x * y;

    public static Vector256<uint> Add(Vector256<uint> x, Vector256<uint> y) => x + y;

    public static Vector256<uint> Subtract(Vector256<uint> x, Vector256<uint> y) => x - y;

    public static Vector256<uint> Multiply(Vector256<uint> x, Vector256<uint> y) => x * y;
}

/// <summary>Packed-bit lanes: + and − are XOR, · is AND.</summary>
internal readonly struct BooleanLanes : IRingLanes<ulong>
{
    public static ulong Add(ulong x, ulong y) => x ^ y;

    public static ulong Subtract(ulong x, ulong y) => x ^ y;

    public static ulong Multiply(ulong x, ulong y) => x & y;

    public static Vector256<ulong> Add(Vector256<ulong> x, Vector256<ulong> y) => x ^ y;

    public static Vector256<ulong> Subtract(Vector256<ulong> x, Vector256<ulong> y) => x ^ y;

    public static Vector256<ulong> Multiply(Vector256<ulong> x, Vector256<ulong> y) => x & y;
}

/// <summary>
/// One-pass kernels of the Beaver multiplication: the triple formula with the openings d = x − a, e = y − b, and the
/// combination after the exchange. They compute exactly the values of the step-by-step code (the tests compare
/// them); they only avoid writing intermediate arrays and reading them back.
/// </summary>
internal static class BeaverKernels
{
    /// <summary>True where the 256-bit loops run in hardware; elsewhere the callers keep the step-by-step code.</summary>
    internal static bool Enabled => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// The replicated triple formula on one chunk, from the ten keystream chunks of <see cref="ReplicatedTripleSource"/>:
    /// c = (zNext − zOwn) + aOwn·(bOwn + bNext) + aNext·bOwn, then a = aOwn + raNext − raOwn and b = bOwn + rbNext −
    /// rbOwn. With <paramref name="x"/> non-empty the kernel writes the openings d = x − a and e = y − b instead of a
    /// and b (into <paramref name="aOrD"/> and <paramref name="bOrE"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Triples<T, TLanes>(
        ReadOnlySpan<T> aOwn, ReadOnlySpan<T> aNext, ReadOnlySpan<T> bOwn, ReadOnlySpan<T> bNext,
        ReadOnlySpan<T> zOwn, ReadOnlySpan<T> zNext, ReadOnlySpan<T> raOwn, ReadOnlySpan<T> raNext,
        ReadOnlySpan<T> rbOwn, ReadOnlySpan<T> rbNext,
        ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> aOrD, Span<T> bOrE, Span<T> c)
        where T : unmanaged
        where TLanes : IRingLanes<T>
    {
        int n = c.Length;
        bool mask = !x.IsEmpty;
        ref T ao = ref MemoryMarshal.GetReference(aOwn), an = ref MemoryMarshal.GetReference(aNext);
        ref T bo = ref MemoryMarshal.GetReference(bOwn), bn = ref MemoryMarshal.GetReference(bNext);
        ref T zo = ref MemoryMarshal.GetReference(zOwn), zn = ref MemoryMarshal.GetReference(zNext);
        ref T rao = ref MemoryMarshal.GetReference(raOwn), ran = ref MemoryMarshal.GetReference(raNext);
        ref T rbo = ref MemoryMarshal.GetReference(rbOwn), rbn = ref MemoryMarshal.GetReference(rbNext);
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        ref T ad = ref MemoryMarshal.GetReference(aOrD), be = ref MemoryMarshal.GetReference(bOrE), cs = ref MemoryMarshal.GetReference(c);
        int i = 0;
        int lanes = Vector256<T>.Count;
        // Stryker disable once Equality : a last whole vector left to the scalar loop gives the same values (equivalent mutant)
        for (; i + lanes <= n; i += lanes)
        {
            nuint k = (nuint)i;
            Vector256<T> va = Vector256.LoadUnsafe(ref ao, k), vb = Vector256.LoadUnsafe(ref bo, k);
            Vector256<T> vc = TLanes.Subtract(Vector256.LoadUnsafe(ref zn, k), Vector256.LoadUnsafe(ref zo, k));
            vc = TLanes.Add(vc, TLanes.Multiply(va, TLanes.Add(vb, Vector256.LoadUnsafe(ref bn, k))));
            vc = TLanes.Add(vc, TLanes.Multiply(Vector256.LoadUnsafe(ref an, k), vb));
            va = TLanes.Subtract(TLanes.Add(va, Vector256.LoadUnsafe(ref ran, k)), Vector256.LoadUnsafe(ref rao, k));
            vb = TLanes.Subtract(TLanes.Add(vb, Vector256.LoadUnsafe(ref rbn, k)), Vector256.LoadUnsafe(ref rbo, k));
            if (mask)
            {
                va = TLanes.Subtract(Vector256.LoadUnsafe(ref xs, k), va);
                vb = TLanes.Subtract(Vector256.LoadUnsafe(ref ys, k), vb);
            }

            vc.StoreUnsafe(ref cs, k);
            va.StoreUnsafe(ref ad, k);
            vb.StoreUnsafe(ref be, k);
        }

        for (; i < n; i++)
        {
            T a = Unsafe.Add(ref ao, i), b = Unsafe.Add(ref bo, i);
            T cv = TLanes.Subtract(Unsafe.Add(ref zn, i), Unsafe.Add(ref zo, i));
            cv = TLanes.Add(cv, TLanes.Multiply(a, TLanes.Add(b, Unsafe.Add(ref bn, i))));
            cv = TLanes.Add(cv, TLanes.Multiply(Unsafe.Add(ref an, i), b));
            a = TLanes.Subtract(TLanes.Add(a, Unsafe.Add(ref ran, i)), Unsafe.Add(ref rao, i));
            b = TLanes.Subtract(TLanes.Add(b, Unsafe.Add(ref rbn, i)), Unsafe.Add(ref rbo, i));
            if (mask)
            {
                a = TLanes.Subtract(Unsafe.Add(ref xs, i), a);
                b = TLanes.Subtract(Unsafe.Add(ref ys, i), b);
            }

            Unsafe.Add(ref cs, i) = cv;
            Unsafe.Add(ref ad, i) = a;
            Unsafe.Add(ref be, i) = b;
        }
    }

    /// <summary>
    /// After the exchange with two peers: d = dMine + d1 + d2, e = eMine + e1 + e2, and z = c + d·b + e·a (+ d·e at the
    /// constant holder), with this party's triple shares recovered as a = x − dMine and b = y − eMine, so a and b need
    /// not be kept. <paramref name="z"/> holds c on entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Combine<T, TLanes>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dMine, ReadOnlySpan<T> eMine,
        ReadOnlySpan<T> d1, ReadOnlySpan<T> e1, ReadOnlySpan<T> d2, ReadOnlySpan<T> e2, Span<T> z, bool constantHolder)
        where T : unmanaged
        where TLanes : IRingLanes<T>
    {
        int n = z.Length;
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        ref T dm = ref MemoryMarshal.GetReference(dMine), em = ref MemoryMarshal.GetReference(eMine);
        ref T dp = ref MemoryMarshal.GetReference(d1), ep = ref MemoryMarshal.GetReference(e1);
        ref T dq = ref MemoryMarshal.GetReference(d2), eq = ref MemoryMarshal.GetReference(e2);
        ref T zs = ref MemoryMarshal.GetReference(z);
        int i = 0;
        int lanes = Vector256<T>.Count;
        // Stryker disable once Equality : a last whole vector left to the scalar loop gives the same values (equivalent mutant)
        for (; i + lanes <= n; i += lanes)
        {
            nuint k = (nuint)i;
            Vector256<T> vdm = Vector256.LoadUnsafe(ref dm, k), vem = Vector256.LoadUnsafe(ref em, k);
            Vector256<T> a = TLanes.Subtract(Vector256.LoadUnsafe(ref xs, k), vdm);
            Vector256<T> b = TLanes.Subtract(Vector256.LoadUnsafe(ref ys, k), vem);
            Vector256<T> d = TLanes.Add(TLanes.Add(vdm, Vector256.LoadUnsafe(ref dp, k)), Vector256.LoadUnsafe(ref dq, k));
            Vector256<T> e = TLanes.Add(TLanes.Add(vem, Vector256.LoadUnsafe(ref ep, k)), Vector256.LoadUnsafe(ref eq, k));
            Vector256<T> vz = TLanes.Add(Vector256.LoadUnsafe(ref zs, k), TLanes.Multiply(d, b));
            vz = TLanes.Add(vz, TLanes.Multiply(e, a));
            if (constantHolder)
            {
                vz = TLanes.Add(vz, TLanes.Multiply(d, e));
            }

            vz.StoreUnsafe(ref zs, k);
        }

        for (; i < n; i++)
        {
            T vdm = Unsafe.Add(ref dm, i), vem = Unsafe.Add(ref em, i);
            T a = TLanes.Subtract(Unsafe.Add(ref xs, i), vdm);
            T b = TLanes.Subtract(Unsafe.Add(ref ys, i), vem);
            T d = TLanes.Add(TLanes.Add(vdm, Unsafe.Add(ref dp, i)), Unsafe.Add(ref dq, i));
            T e = TLanes.Add(TLanes.Add(vem, Unsafe.Add(ref ep, i)), Unsafe.Add(ref eq, i));
            T vz = TLanes.Add(Unsafe.Add(ref zs, i), TLanes.Multiply(d, b));
            vz = TLanes.Add(vz, TLanes.Multiply(e, a));
            if (constantHolder)
            {
                vz = TLanes.Add(vz, TLanes.Multiply(d, e));
            }

            Unsafe.Add(ref zs, i) = vz;
        }
    }
}
