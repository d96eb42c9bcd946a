using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

// The replicated protocols, written once for both share domains (IShareRing: Z_2^32 with +, packed bits with ⊕), and
// the argument checks. Party i holds components i ("mine", the handle's additive share) and i + 1 ("next", the
// companion); component j of a pseudo-random value comes from the seed of parties j − 1 and j. The public members are
// in ReplicatedBlackBox.cs; the security argument is docs/security.md §8.
public sealed partial class ReplicatedBlackBox
{
    /// <summary>Elements per fused pass of the local product (cache-sized).</summary>
    private const int ChunkBytes = 16 * 1024;

    /// <summary>Input by <paramref name="owner"/> o: component o+1 = F(k_{o,o+1}), component o+2 = 0, component o =
    /// x − F(k_{o,o+1}), which the owner sends to its previous party (the other holder of component o). One round.</summary>
    private async ValueTask<(T[] Mine, T[] Next)> InputCoreAsync<T, TRing>(int owner, ReadOnlyMemory<T> values, int count, StreamPair streams, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        var mine = new T[count];
        var next = new T[count];
        int bytes = count * Unsafe.SizeOf<T>();
        if (_me == owner)
        {
            TRing.Fill(streams.Next, next);
            TRing.Subtract(values.Span, next, mine);
            await _session.PassAsync(_prev, MemoryMarshal.AsBytes(mine.AsSpan()).ToArray(), -1, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        else if (_prev == owner)
        {
            TRing.Fill(streams.Own, mine);
            await _session.PassAsync(-1, ReadOnlyMemory<byte>.Empty, -1, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            byte[] received = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
            try
            {
                await _session.PassAsync(-1, ReadOnlyMemory<byte>.Empty, _next, received.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
                MemoryMarshal.Cast<byte, T>(received.AsSpan(0, bytes)).CopyTo(next);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(received);
            }
        }

        return (mine, next);
    }

    /// <summary>
    /// Products (row length 1) or inner products of rows, in either ring. Replicated operands: the local cross terms
    /// x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i plus a zero sharing give an additive sharing of the result, which each party
    /// sends to its previous party (one element per output): replicated result. An operand without companion: each
    /// party first re-randomises its component with a zero sharing and sends it to its previous party (one element per
    /// input element), in the same single round; the result is then additive only (no companion).
    /// </summary>
    private async ValueTask<(T[] Z, T[]? ZNext)> ProductAsync<T, TRing>(T[] x, T[]? xn, T[] y, T[]? yn, int rowLength, StreamPair zero, StreamPair reshare, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int n = x.Length;
        int m = n / rowLength;
        if (xn is not null && yn is not null)
        {
            // Every element of z is written (the zero sharing), every element of zNext received: no zeroing needed.
            T[] z = GC.AllocateUninitializedArray<T>(m);
            CrossTerms<T, TRing>(x, xn, y, yn, rowLength, zero, z);
            return (z, await PassToPreviousAsync(z, cancellationToken).ConfigureAwait(false));
        }

        T[] zAdditive = GC.AllocateUninitializedArray<T>(m);

        // Additive operand(s): add the missing components in this round, then the local cross terms.
        int parts = (xn is null ? 1 : 0) + (yn is null ? 1 : 0);
        int partBytes = n * Unsafe.SizeOf<T>();
        int total = parts * partBytes;
        byte[] message = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1)), theirs = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            Span<T> outgoing = MemoryMarshal.Cast<byte, T>(message.AsSpan(0, total));
            int at = 0;
            T[] xm = x, ym = y;
            if (xn is null)
            {
                xm = Rerandomise<T, TRing>(x, reshare, outgoing.Slice(at, n));
                at += n;
            }

            if (yn is null)
            {
                ym = Rerandomise<T, TRing>(y, reshare, outgoing.Slice(at, n));
            }

            await _session.PassAsync(_prev, message.AsMemory(0, total), _next, theirs.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
            ReadOnlySpan<T> incoming = MemoryMarshal.Cast<byte, T>(theirs.AsSpan(0, total));
            at = 0;
            T[] xNext = xn ?? incoming.Slice(at, n).ToArray();
            if (xn is null)
            {
                at += n;
            }

            T[] yNext = yn ?? incoming.Slice(at, n).ToArray();
            CrossTerms<T, TRing>(xm, xNext, ym, yNext, rowLength, zero, zAdditive);
            return (zAdditive, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
            ArrayPool<byte>.Shared.Return(theirs);
        }
    }

    /// <summary>The round of a replicated product: sends this party's additive share z of the result to the previous
    /// party and receives the next party's, which becomes the companion. m elements each way.</summary>
    private async ValueTask<T[]> PassToPreviousAsync<T>(T[] z, CancellationToken cancellationToken)
        where T : unmanaged
    {
        int bytes = z.Length * Unsafe.SizeOf<T>();
        T[] zNext = GC.AllocateUninitializedArray<T>(z.Length);
        byte[] send = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1)), received = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        try
        {
            MemoryMarshal.AsBytes(z.AsSpan()).CopyTo(send);
            await _session.PassAsync(_prev, send.AsMemory(0, bytes), _next, received.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
            MemoryMarshal.Cast<byte, T>(received.AsSpan(0, bytes)).CopyTo(zNext);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(send);
            ArrayPool<byte>.Shared.Return(received);
        }

        return zNext;
    }

    /// <summary>
    /// Groups of inner products of replicated operands in one round: group g has rows of length L_g, each cut into
    /// ⌈L_g / <paramref name="pieceLength"/>⌉ consecutive pieces, and one output per piece (so exactly the outputs, the
    /// message and the zero sharing of one <see cref="ProductAsync{T, TRing}"/> call on the rows zero-padded to a
    /// multiple of the piece length and concatenated, without building the padded operands).
    /// </summary>
    private async ValueTask<uint[][]> GroupedProductAsync((uint[] X, uint[] XNext, uint[] Y, uint[] YNext, int Length)[] groups, int pieceLength, CancellationToken cancellationToken)
    {
        var offsets = new int[groups.Length + 1];
        for (int g = 0; g < groups.Length; g++)
        {
            int pieces = (groups[g].Length + pieceLength - 1) / pieceLength;
            offsets[g + 1] = checked(offsets[g] + (groups[g].X.Length / groups[g].Length * pieces));
        }

        uint[] z = GC.AllocateUninitializedArray<uint>(offsets[^1]);
        ZeroShare<uint, ArithmeticRing>(_mulZero, z);
        for (int g = 0; g < groups.Length; g++)
        {
            (uint[] x, uint[] xn, uint[] y, uint[] yn, int length) = groups[g];
            Span<uint> part = z.AsSpan(offsets[g], offsets[g + 1] - offsets[g]);
            if (length == 1)
            {
                CrossAccumulateRing(x, xn, y, yn, part);
            }
            else
            {
                RowPieces(x, xn, y, yn, length, pieceLength, part);
            }
        }

        uint[] zNext = await PassToPreviousAsync(z, cancellationToken).ConfigureAwait(false);
        var result = new uint[groups.Length * 2][];
        for (int g = 0; g < groups.Length; g++)
        {
            result[2 * g] = z.AsSpan(offsets[g], offsets[g + 1] - offsets[g]).ToArray();
            result[(2 * g) + 1] = zNext.AsSpan(offsets[g], offsets[g + 1] - offsets[g]).ToArray();
        }

        return result;
    }

    /// <summary>The additive → replicated conversion on its own: this party's component re-randomised (kept and sent to the
    /// previous party) and the next party's re-randomised component (received). One round, one element per element.</summary>
    private async ValueTask<(T[] Mine, T[] Next)> ReshareAsync<T, TRing>(T[] component, StreamPair reshare, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int n = component.Length;
        int bytes = n * Unsafe.SizeOf<T>();
        byte[] message = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1)), theirs = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        try
        {
            T[] mine = Rerandomise<T, TRing>(component, reshare, MemoryMarshal.Cast<byte, T>(message.AsSpan(0, bytes)));
            await _session.PassAsync(_prev, message.AsMemory(0, bytes), _next, theirs.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
            return (mine, MemoryMarshal.Cast<byte, T>(theirs.AsSpan(0, bytes)).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
            ArrayPool<byte>.Shared.Return(theirs);
        }
    }

    /// <summary>component + ζ for this party's share ζ_i = F(k_{i,i+1}) − F(k_{i−1,i}) of a zero sharing, written to a new
    /// array (returned) and to <paramref name="outgoing"/>.</summary>
    private static T[] Rerandomise<T, TRing>(T[] component, StreamPair reshare, Span<T> outgoing)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        var fresh = new T[component.Length];
        TRing.Fill(reshare.Next, fresh);
        TRing.Add(component, fresh, fresh);
        T[] scratch = ArrayPool<T>.Shared.Rent(Math.Max(component.Length, 1));
        try
        {
            Span<T> own = scratch.AsSpan(0, component.Length);
            TRing.Fill(reshare.Own, own);
            TRing.Subtract(fresh, own, fresh);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }

        fresh.CopyTo(outgoing);
        return fresh;
    }

    /// <summary>z = zero sharing + Σ over each row of x_i·(y_i + y_{i+1}) + x_{i+1}·y_i, in cache-sized passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossTerms<T, TRing>(T[] x, T[] xn, T[] y, T[] yn, int rowLength, StreamPair zero, T[] z)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        ZeroShare<T, TRing>(zero, z);
        if (rowLength == 1)
        {
            CrossAccumulate<T>(x, xn, y, yn, z);
            return;
        }

        // Inner products (ring values only).
        RowPieces(Unsafe.As<uint[]>(x), Unsafe.As<uint[]>(xn), Unsafe.As<uint[]>(y), Unsafe.As<uint[]>(yn), rowLength, rowLength, Unsafe.As<uint[]>(z));
    }

    /// <summary>Writes this party's share of a fresh zero sharing into z: F(k_{i,i+1}) − F(k_{i−1,i}), the second
    /// stream drawn in cache-sized pieces (the streams continue, so the values depend only on how much was drawn).</summary>
    private static void ZeroShare<T, TRing>(StreamPair zero, Span<T> z)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int m = z.Length;
        int chunk = Math.Max(1, ChunkBytes / Unsafe.SizeOf<T>());
        TRing.Fill(zero.Next, z);
        T[] scratchArray = ArrayPool<T>.Shared.Rent(Math.Min(chunk, Math.Max(m, 1)));
        try
        {
            for (int start = 0; start < m; start += chunk)
            {
                int len = Math.Min(chunk, m - start);
                Span<T> own = scratchArray.AsSpan(0, len);
                TRing.Fill(zero.Own, own);
                TRing.Subtract(z.Slice(start, len), own, z.Slice(start, len));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratchArray);
        }
    }

    /// <summary>acc += x·(y + yn) + xn·y element-wise (ring), or acc ⊕= x∧(y ⊕ yn) ⊕ xn∧y (packed bits): the local cross
    /// terms of a replicated product, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossAccumulate<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> xn, ReadOnlySpan<T> y, ReadOnlySpan<T> yn, Span<T> acc)
        where T : unmanaged
    {
        int n = acc.Length;
        if (x.Length != n || xn.Length != n || y.Length != n || yn.Length != n)
        {
            throw new ArgumentException("The operands of the cross terms differ in length.");
        }

        if (typeof(T) == typeof(uint))
        {
            CrossAccumulateRing(MemoryMarshal.Cast<T, uint>(x), MemoryMarshal.Cast<T, uint>(xn), MemoryMarshal.Cast<T, uint>(y), MemoryMarshal.Cast<T, uint>(yn), MemoryMarshal.Cast<T, uint>(acc));
        }
        else if (typeof(T) == typeof(ulong))
        {
            CrossAccumulateBits(MemoryMarshal.Cast<T, ulong>(x), MemoryMarshal.Cast<T, ulong>(xn), MemoryMarshal.Cast<T, ulong>(y), MemoryMarshal.Cast<T, ulong>(yn), MemoryMarshal.Cast<T, ulong>(acc));
        }
        else
        {
            throw new NotSupportedException($"No cross terms for {typeof(T)}.");
        }
    }

    /// <summary>Long pieces (the column sums): one fused pass per piece, nothing written but the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LongRowPieces(ReadOnlySpan<uint> x, ReadOnlySpan<uint> xn, ReadOnlySpan<uint> y, ReadOnlySpan<uint> yn, int rowLength, int pieceLength, int m, int pieces, Span<uint> z)
    {
        for (int row = 0; row < m; row++)
        {
            int first = row * rowLength;
            for (int j = 0; j < pieces; j++)
            {
                int at = first + (j * pieceLength), len = Math.Min(pieceLength, rowLength - (j * pieceLength));
                z[(row * pieces) + j] += CrossDot(x.Slice(at, len), xn.Slice(at, len), y.Slice(at, len), yn.Slice(at, len));
            }
        }
    }

    /// <summary>The cross-term kernel; <paramref name="vectorBits"/> (512, 256 or 0) caps the vector width, for tests.</summary>
    internal static void CrossAccumulateRing(ReadOnlySpan<uint> x, ReadOnlySpan<uint> xn, ReadOnlySpan<uint> y, ReadOnlySpan<uint> yn, Span<uint> acc, int vectorBits = 512)
    {
        int n = acc.Length, i = 0;
        ref uint px = ref MemoryMarshal.GetReference(x), pxn = ref MemoryMarshal.GetReference(xn), py = ref MemoryMarshal.GetReference(y), pyn = ref MemoryMarshal.GetReference(yn), pa = ref MemoryMarshal.GetReference(acc);
        // Stryker disable once Equality,Logical,Boolean : vector-width dispatch; the 512-bit, 256-bit and scalar paths give the same values (equivalent mutants, docs/testing.md)
        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated && n >= Vector512<uint>.Count)
        {
            for (; i <= n - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                nuint k = (nuint)i;
                Vector512<uint> vy = Vector512.LoadUnsafe(ref py, k);
                Vector512<uint> t = (Vector512.LoadUnsafe(ref px, k) * (vy + Vector512.LoadUnsafe(ref pyn, k))) + (Vector512.LoadUnsafe(ref pxn, k) * vy);
                (Vector512.LoadUnsafe(ref pa, k) + t).StoreUnsafe(ref pa, k);
            }
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated && n >= Vector256<uint>.Count)
        {
            for (; i <= n - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                nuint k = (nuint)i;
                Vector256<uint> vy = Vector256.LoadUnsafe(ref py, k);
                Vector256<uint> t = (Vector256.LoadUnsafe(ref px, k) * (vy + Vector256.LoadUnsafe(ref pyn, k))) + (Vector256.LoadUnsafe(ref pxn, k) * vy);
                (Vector256.LoadUnsafe(ref pa, k) + t).StoreUnsafe(ref pa, k);
            }
        }

        for (; i < n; i++)
        {
            acc[i] += (x[i] * (y[i] + yn[i])) + (xn[i] * y[i]);
        }
    }

    /// <summary>The cross-term kernel; <paramref name="vectorBits"/> (512, 256 or 0) caps the vector width, for tests.</summary>
    internal static void CrossAccumulateBits(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> xn, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> yn, Span<ulong> acc, int vectorBits = 512)
    {
        int n = acc.Length, i = 0;
        ref ulong px = ref MemoryMarshal.GetReference(x), pxn = ref MemoryMarshal.GetReference(xn), py = ref MemoryMarshal.GetReference(y), pyn = ref MemoryMarshal.GetReference(yn), pa = ref MemoryMarshal.GetReference(acc);
        // Stryker disable once Equality,Boolean : vector-width dispatch; the 512-bit, 256-bit and scalar paths give the same values (equivalent mutants, docs/testing.md). Not Logical: the body's & and ^ are the AND gate itself
        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated && n >= Vector512<ulong>.Count)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                nuint k = (nuint)i;
                Vector512<ulong> vy = Vector512.LoadUnsafe(ref py, k);
                Vector512<ulong> t = (Vector512.LoadUnsafe(ref px, k) & (vy ^ Vector512.LoadUnsafe(ref pyn, k))) ^ (Vector512.LoadUnsafe(ref pxn, k) & vy);
                (Vector512.LoadUnsafe(ref pa, k) ^ t).StoreUnsafe(ref pa, k);
            }
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated && n >= Vector256<ulong>.Count)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                nuint k = (nuint)i;
                Vector256<ulong> vy = Vector256.LoadUnsafe(ref py, k);
                Vector256<ulong> t = (Vector256.LoadUnsafe(ref px, k) & (vy ^ Vector256.LoadUnsafe(ref pyn, k))) ^ (Vector256.LoadUnsafe(ref pxn, k) & vy);
                (Vector256.LoadUnsafe(ref pa, k) ^ t).StoreUnsafe(ref pa, k);
            }
        }

        for (; i < n; i++)
        {
            acc[i] ^= (x[i] & (y[i] ^ yn[i])) ^ (xn[i] & y[i]);
        }
    }

    /// <summary>
    /// Inner products of rows of length <paramref name="rowLength"/>, each row cut into consecutive pieces of at most
    /// <paramref name="pieceLength"/> terms: z[row·p + j] += Σ over piece j of x·(y + yn) + xn·y, p = ⌈rowLength /
    /// pieceLength⌉. The element-wise cross terms of a cache-sized block of rows go to scratch, then the piece sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowPieces(ReadOnlySpan<uint> x, ReadOnlySpan<uint> xn, ReadOnlySpan<uint> y, ReadOnlySpan<uint> yn, int rowLength, int pieceLength, Span<uint> z)
    {
        int pieces = (rowLength + pieceLength - 1) / pieceLength;
        int m = x.Length / rowLength;
        int chunk = ChunkBytes / sizeof(uint);
        // Stryker disable once Equality,Boolean,Linq : the fused path and the block path give the same piece sums; only speed differs (equivalent mutants, docs/testing.md)
        if (Math.Min(rowLength, pieceLength) >= LongPiece)
        {
            LongRowPieces(x, xn, y, yn, rowLength, pieceLength, m, pieces, z);
            return;
        }

        // A block holds ⌊chunk / rowLength⌋ whole rows, or one row longer than a chunk: never more than
        // max(chunk, rowLength) elements (renting chunk × rowLength kept hundreds of MB per call for long rows).
        int rows = Math.Max(1, chunk / rowLength);
        uint[] terms = ArrayPool<uint>.Shared.Rent(Math.Max(chunk, rowLength));
        try
        {
            for (int row = 0; row < m; row += rows)
            {
                int count = Math.Min(rows, m - row);
                int first = row * rowLength, len = count * rowLength;
                Span<uint> t = terms.AsSpan(0, len);
                t.Clear();
                CrossAccumulateRing(x.Slice(first, len), xn.Slice(first, len), y.Slice(first, len), yn.Slice(first, len), t);
                Span<uint> zBlock = z.Slice(row * pieces, count * pieces);
                if (pieces == 1)
                {
                    for (int r = 0; r < count; r++)
                    {
                        zBlock[r] += SumOf(t.Slice(r * rowLength, rowLength));
                    }
                }
                else
                {
                    for (int r = 0; r < count; r++)
                    {
                        ReadOnlySpan<uint> termsOfRow = t.Slice(r * rowLength, rowLength);
                        for (int j = 0; j < pieces; j++)
                        {
                            int at = j * pieceLength;
                            zBlock[(r * pieces) + j] += SumOf(termsOfRow.Slice(at, Math.Min(pieceLength, rowLength - at)));
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(terms);
        }
    }

    /// <summary>Pieces at least this long are summed by <see cref="CrossDot"/> (a vector accumulator per piece).</summary>
    private const int LongPiece = 64;

    /// <summary>Σ x·(y + yn) + xn·y mod 2^32 in one pass with a vector accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static uint CrossDot(ReadOnlySpan<uint> x, ReadOnlySpan<uint> xn, ReadOnlySpan<uint> y, ReadOnlySpan<uint> yn, int vectorBits = 512)
    {
        int n = x.Length, i = 0;
        if (xn.Length != n || y.Length != n || yn.Length != n)
        {
            throw new ArgumentException("The operands of the cross terms differ in length.");
        }

        ref uint px = ref MemoryMarshal.GetReference(x), pxn = ref MemoryMarshal.GetReference(xn), py = ref MemoryMarshal.GetReference(y), pyn = ref MemoryMarshal.GetReference(yn);
        uint sum = 0;
        // Stryker disable once Equality,Logical,Boolean : vector-width dispatch; the 512-bit, 256-bit and scalar paths give the same values (equivalent mutants, docs/testing.md)
        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated && n >= Vector512<uint>.Count)
        {
            Vector512<uint> acc = Vector512<uint>.Zero;
            for (; i <= n - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                nuint k = (nuint)i;
                Vector512<uint> vy = Vector512.LoadUnsafe(ref py, k);
                acc += (Vector512.LoadUnsafe(ref px, k) * (vy + Vector512.LoadUnsafe(ref pyn, k))) + (Vector512.LoadUnsafe(ref pxn, k) * vy);
            }

            sum = Vector512.Sum(acc);
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated && n >= Vector256<uint>.Count)
        {
            Vector256<uint> acc = Vector256<uint>.Zero;
            for (; i <= n - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                nuint k = (nuint)i;
                Vector256<uint> vy = Vector256.LoadUnsafe(ref py, k);
                acc += (Vector256.LoadUnsafe(ref px, k) * (vy + Vector256.LoadUnsafe(ref pyn, k))) + (Vector256.LoadUnsafe(ref pxn, k) * vy);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += (x[i] * (y[i] + yn[i])) + (xn[i] * y[i]);
        }

        return sum;
    }

    /// <summary>Σ s mod 2^32: a plain loop for the short rows of the selection (a call into the vector kernel costs more
    /// than it saves below a few vectors), the vector kernel otherwise.</summary>
    private static uint SumOf(ReadOnlySpan<uint> s)
    {
        // Stryker disable once Equality,Boolean : the vector sum and the loop give the same sum mod 2^32 (equivalent mutants, docs/testing.md)
        if (s.Length >= 32)
        {
            return TensorPrimitives.Sum(s);
        }

        uint acc = 0;
        foreach (uint v in s)
        {
            acc += v;
        }

        return acc;
    }

    /// <summary>Opens to every party (one round, audited). Replicated: each party sends its component to the next
    /// party, which lacks it. Additive: each party sends its share to both peers.</summary>
    private async ValueTask<T[]> OpenAllAsync<T, TRing>(T[] mine, T[]? next, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int bytes = mine.Length * Unsafe.SizeOf<T>();
        _session.Audit.Record(label, TRing.Domain, auditLength, null, _session.Trace.Rounds + 1);
        byte[] send = MemoryMarshal.AsBytes(mine.AsSpan()).ToArray();
        var sum = (T[])mine.Clone();
        if (next is not null)
        {
            byte[] received = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
            try
            {
                await _session.PassAsync(_next, send, _prev, received.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
                TRing.Add(sum, next, sum);
                TRing.Add(sum, MemoryMarshal.Cast<byte, T>(received.AsSpan(0, bytes)), sum);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(received);
            }

            return sum;
        }

        var buffers = new Memory<byte>[3];
        buffers[_next] = new byte[bytes];
        buffers[_prev] = new byte[bytes];
        await _session.ExchangeAsync(send, buffers, cancellationToken).ConfigureAwait(false);
        TRing.Add(sum, MemoryMarshal.Cast<byte, T>(buffers[_next].Span), sum);
        TRing.Add(sum, MemoryMarshal.Cast<byte, T>(buffers[_prev].Span), sum);
        return sum;
    }

    /// <summary>Opens to <paramref name="recipient"/> only (one round, audited at every party). Replicated: the
    /// recipient's previous party sends the one component the recipient lacks. Additive: both others send.</summary>
    private async ValueTask<T[]?> OpenToOneAsync<T, TRing>(T[] mine, T[]? next, int recipient, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int bytes = mine.Length * Unsafe.SizeOf<T>();
        _session.Audit.Record(label, TRing.Domain, auditLength, recipient, _session.Trace.Rounds + 1);
        if (next is not null)
        {
            if (_me == recipient)
            {
                var received = new byte[bytes];
                await _session.PassAsync(-1, ReadOnlyMemory<byte>.Empty, _prev, received, cancellationToken).ConfigureAwait(false);
                var sum = (T[])mine.Clone();
                TRing.Add(sum, next, sum);
                TRing.Add(sum, MemoryMarshal.Cast<byte, T>(received.AsSpan()), sum);
                return sum;
            }

            bool sender = _next == recipient; // the recipient's previous party holds the missing component as its own
            await _session.PassAsync(sender ? recipient : -1, sender ? MemoryMarshal.AsBytes(mine.AsSpan()).ToArray() : ReadOnlyMemory<byte>.Empty, -1, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var buffers = new Memory<byte>[3];
        if (_me == recipient)
        {
            buffers[_next] = new byte[bytes];
            buffers[_prev] = new byte[bytes];
        }

        await _session.GatherAsync(recipient, MemoryMarshal.AsBytes(mine.AsSpan()).ToArray(), buffers, cancellationToken).ConfigureAwait(false);
        if (_me != recipient)
        {
            return null;
        }

        var total = (T[])mine.Clone();
        TRing.Add(total, MemoryMarshal.Cast<byte, T>(buffers[_next].Span), total);
        TRing.Add(total, MemoryMarshal.Cast<byte, T>(buffers[_prev].Span), total);
        return total;
    }

    // ------------------------------------------------------------------ helpers

    private static void CheckParty(int party, string paramName)
    {
        if ((uint)party >= 3u)
        {
            throw new ArgumentOutOfRangeException(paramName, party, "Parties are numbered 0..2.");
        }
    }

    private void Check(ShareVector x, string paramName = "x") => HandleCheck.Mine(_me, x, paramName);

    private void Check(BitShareVector x, string paramName = "x") => HandleCheck.Mine(_me, x, paramName);

    private void CheckPair(ShareVector x, ShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Length mismatch: expected {x.Length}, got {y.Length}.", nameof(y));
        }
    }

    private void CheckPair(BitShareVector x, BitShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        if (x.BitLength != y.BitLength)
        {
            throw new ArgumentException($"Length mismatch: expected {x.BitLength}, got {y.BitLength}.", nameof(y));
        }
    }

    /// <summary>The two streams of one purpose: <see cref="Own"/> from the seed shared with the previous party (component
    /// i), <see cref="Next"/> from the seed shared with the next party (component i + 1).</summary>
    private sealed class StreamPair : IDisposable
    {
        internal StreamPair(PartySession session, int prev, int next, string purpose)
        {
            Own = session.CreatePairStream(prev, purpose);
            Next = session.CreatePairStream(next, purpose);
        }

        internal AesCtrPrg Own { get; }

        internal AesCtrPrg Next { get; }

        public void Dispose()
        {
            Own.Dispose();
            Next.Dispose();
        }
    }
}
