using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        var z = new T[m];
        if (xn is not null && yn is not null)
        {
            CrossTerms<T, TRing>(x, xn, y, yn, rowLength, zero, z);
            int bytes = m * Unsafe.SizeOf<T>();
            var zNext = new T[m];
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

            return (z, zNext);
        }

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
            CrossTerms<T, TRing>(xm, xNext, ym, yNext, rowLength, zero, z);
            return (z, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
            ArrayPool<byte>.Shared.Return(theirs);
        }
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
        int m = z.Length;
        int chunk = Math.Max(1, ChunkBytes / Unsafe.SizeOf<T>());

        // z starts as this party's share of a zero sharing: F(k_{i,i+1}) − F(k_{i−1,i}).
        TRing.Fill(zero.Next, z);
        // A block holds ⌊chunk / rowLength⌋ whole rows, or one row longer than a chunk: never more than
        // max(chunk, rowLength) elements (renting chunk × rowLength kept hundreds of MB per call for long rows).
        int scratchLength = Math.Max(chunk, rowLength);
        T[] scratchArray = ArrayPool<T>.Shared.Rent(scratchLength);
        T[] sumArray = ArrayPool<T>.Shared.Rent(scratchLength);
        try
        {
            for (int start = 0; start < m; start += chunk)
            {
                int len = Math.Min(chunk, m - start);
                Span<T> own = scratchArray.AsSpan(0, len);
                TRing.Fill(zero.Own, own);
                TRing.Subtract(z.AsSpan(start, len), own, z.AsSpan(start, len));
            }

            if (rowLength == 1)
            {
                for (int start = 0; start < m; start += chunk)
                {
                    int len = Math.Min(chunk, m - start);
                    Span<T> acc = z.AsSpan(start, len), ySum = sumArray.AsSpan(0, len), scratch = scratchArray.AsSpan(0, len);
                    TRing.Add(y.AsSpan(start, len), yn.AsSpan(start, len), ySum);
                    TRing.MultiplyAccumulate(x.AsSpan(start, len), ySum, acc, scratch);
                    TRing.MultiplyAccumulate(xn.AsSpan(start, len), y.AsSpan(start, len), acc, scratch);
                }

                return;
            }

            // Inner products (ring values only): the element-wise cross terms of a block of rows, then row sums.
            uint[] zu = Unsafe.As<uint[]>(z);
            uint[] xu = Unsafe.As<uint[]>(x), xnu = Unsafe.As<uint[]>(xn), yu = Unsafe.As<uint[]>(y), ynu = Unsafe.As<uint[]>(yn);
            uint[] terms = Unsafe.As<uint[]>(scratchArray), ySumU = Unsafe.As<uint[]>(sumArray);
            int rows = Math.Max(1, chunk / rowLength);
            for (int row = 0; row < m; row += rows)
            {
                int count = Math.Min(rows, m - row);
                int first = row * rowLength, len = count * rowLength;
                Span<uint> t = terms.AsSpan(0, len), ys = ySumU.AsSpan(0, len);
                TensorPrimitives.Add(yu.AsSpan(first, len), ynu.AsSpan(first, len), ys);
                TensorPrimitives.Multiply(xu.AsSpan(first, len), ys, t);
                TensorPrimitives.MultiplyAdd(xnu.AsSpan(first, len), yu.AsSpan(first, len), t, t);
                for (int r = 0; r < count; r++)
                {
                    zu[row + r] += TensorPrimitives.Sum<uint>(t.Slice(r * rowLength, rowLength));
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratchArray);
            ArrayPool<T>.Shared.Return(sumArray);
        }
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
