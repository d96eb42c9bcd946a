using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MpcSortition.Core;

namespace MpcSortition.Protocols;

// The interactive protocols, written once for both share domains (IShareRing: Z_2^32 with +, packed bits with ⊕),
// and the argument checks. The public members are in SemiHonestBlackBox.cs.
public sealed partial class SemiHonestBlackBox
{
    /// <summary>Elements per fused pass when combining a Beaver opening (cache-sized).</summary>
    private const int CombineChunkBytes = 16 * 1024;

    // ------------------------------------------------------------------ generic protocols

    /// <summary>The input of <paramref name="owner"/>: x_owner = x − Σ_{j≠owner} F(k_{owner,j}); party j's share is
    /// F(k_{owner,j}) from the stream it shares with the owner.</summary>
    private T[] ShareInput<T, TRing>(int owner, ReadOnlySpan<T> values, int count, AesCtrPrg?[] streams)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        var shares = new T[count];
        if (_me != owner)
        {
            TRing.Fill(streams[owner]!, shares);
            return shares;
        }

        values.CopyTo(shares);
        T[] tmp = ArrayPool<T>.Shared.Rent(count);
        for (int p = 0; p < _n; p++)
        {
            if (p != _me)
            {
                Span<T> r = tmp.AsSpan(0, count);
                TRing.Fill(streams[p]!, r);
                TRing.Subtract(shares, r, shares);
            }
        }

        ArrayPool<T>.Shared.Return(tmp);
        return shares;
    }

    /// <summary>
    /// Beaver's protocol in either ring: with a triple (a, b, c), open d = x − a and e = y − b in one message to every
    /// peer (one round), then z = c + d·b + e·a (+ d·e at party 0). For bits − and + are ⊕ and · is ∧.
    /// </summary>
    private async ValueTask<T[]> BeaverAsync<T, TRing>(T[] x, T[] y, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int m = x.Length;
        T[] result = GC.AllocateUninitializedArray<T>(m); // every element is written by the triple source
        if (m == 0)
        {
            return result;
        }

        int bytes = 2 * m * Unsafe.SizeOf<T>();
        // Stryker disable once Equality,Logical : the fused kernels and the step-by-step code give the same values (BeaverKernelTests); a mutant only picks the other path
        if (_n == 3 && BeaverKernels.Enabled && _triples is ReplicatedTripleSource replicated)
        {
            return await BeaverFusedAsync<T, TRing>(replicated, x, y, result, bytes, label, auditLength, cancellationToken).ConfigureAwait(false);
        }

        T[] a = ArrayPool<T>.Shared.Rent(m), b = ArrayPool<T>.Shared.Rent(m);
        byte[] de = ArrayPool<byte>.Shared.Rent(bytes);
        byte[][] received = RentPeers(bytes);
        try
        {
            // c goes straight into the result; d and e into one message.
            TRing.FillTriples(_triples, a.AsSpan(0, m), b.AsSpan(0, m), result);
            Span<T> mine = MemoryMarshal.Cast<byte, T>(de.AsSpan(0, bytes));
            TRing.Subtract(x, a.AsSpan(0, m), mine[..m]);
            TRing.Subtract(y, b.AsSpan(0, m), mine[m..]);
            await ExchangeAsync<T, TRing>(de, bytes, received, label, auditLength, combine: false, cancellationToken).ConfigureAwait(false);
            CombineBeaver<T, TRing>(m, de, received, a, b, result, _me, _n);
            return result;
        }
        finally
        {
            ArrayPool<T>.Shared.Return(a);
            ArrayPool<T>.Shared.Return(b);
            ArrayPool<byte>.Shared.Return(de);
            ReturnPeers(received);
        }
    }

    /// <summary>
    /// <see cref="BeaverAsync"/> with the one-pass kernels (three parties, the replicated triple source): the triples are
    /// drawn straight into the message as d = x − a and e = y − b, with c in the result; after the exchange one pass
    /// adds the peers' openings and finishes z = c + d·b + e·a (+ d·e at party 0), recovering a = x − d_mine and
    /// b = y − e_mine instead of keeping them. Same triples, same message bytes, same result as the step-by-step code.
    /// </summary>
    private async ValueTask<T[]> BeaverFusedAsync<T, TRing>(ReplicatedTripleSource triples, T[] x, T[] y, T[] result, int bytes, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int m = x.Length;
        byte[] de = ArrayPool<byte>.Shared.Rent(bytes);
        byte[][] received = RentPeers(bytes);
        try
        {
            Span<T> mine = MemoryMarshal.Cast<byte, T>(de.AsSpan(0, bytes));
            triples.FillMasked<T>(x, y, mine[..m], mine[m..], result);
            await ExchangeAsync<T, TRing>(de, bytes, received, label, auditLength, combine: false, cancellationToken).ConfigureAwait(false);
            int p1 = _me == 0 ? 1 : 0, p2 = _me == 2 ? 1 : 2;
            ReadOnlySpan<T> mineDe = MemoryMarshal.Cast<byte, T>(de.AsSpan(0, bytes));
            ReadOnlySpan<T> first = MemoryMarshal.Cast<byte, T>(received[p1].AsSpan(0, bytes));
            ReadOnlySpan<T> second = MemoryMarshal.Cast<byte, T>(received[p2].AsSpan(0, bytes));
            bool holder = _me == AdditiveSharing.ConstantHolder;
            if (typeof(T) == typeof(uint))
            {
                BeaverKernels.Combine<uint, ArithmeticLanes>(
                    As<T, uint>(x), As<T, uint>(y), As<T, uint>(mineDe[..m]), As<T, uint>(mineDe[m..]),
                    As<T, uint>(first[..m]), As<T, uint>(first[m..]), As<T, uint>(second[..m]), As<T, uint>(second[m..]),
                    MemoryMarshal.Cast<T, uint>(result.AsSpan()), holder);
            }
            else
            {
                BeaverKernels.Combine<ulong, BooleanLanes>(
                    As<T, ulong>(x), As<T, ulong>(y), As<T, ulong>(mineDe[..m]), As<T, ulong>(mineDe[m..]),
                    As<T, ulong>(first[..m]), As<T, ulong>(first[m..]), As<T, ulong>(second[..m]), As<T, ulong>(second[m..]),
                    MemoryMarshal.Cast<T, ulong>(result.AsSpan()), holder);
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(de);
            ReturnPeers(received);
        }
    }

    private static ReadOnlySpan<TTo> As<TFrom, TTo>(ReadOnlySpan<TFrom> span)
        where TFrom : unmanaged
        where TTo : unmanaged => MemoryMarshal.Cast<TFrom, TTo>(span);

    /// <summary>Fused, cache-sized passes: d = Σ d_j, e = Σ e_j, then z = c + d·b + e·a (+ d·e at party 0); z holds c on entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CombineBeaver<T, TRing>(int m, byte[] de, byte[][] received, T[] a, T[] b, T[] result, int me, int n)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        // Stryker disable once Arithmetic : a larger pass gives the same values (equivalent mutant)
        int chunk = CombineChunkBytes / Unsafe.SizeOf<T>();
        Span<T> opened = MemoryMarshal.Cast<byte, T>(de.AsSpan(0, 2 * m * Unsafe.SizeOf<T>()));
        T[] scratchArray = ArrayPool<T>.Shared.Rent(chunk);
        try
        {
            for (int start = 0; start < m; start += chunk)
            {
                int len = Math.Min(chunk, m - start);
                Span<T> d = opened.Slice(start, len), e = opened.Slice(m + start, len), z = result.AsSpan(start, len);
                Span<T> scratch = scratchArray.AsSpan(0, len);
                for (int p = 0; p < n; p++)
                {
                    if (p != me)
                    {
                        ReadOnlySpan<T> theirs = MemoryMarshal.Cast<byte, T>(received[p].AsSpan(0, 2 * m * Unsafe.SizeOf<T>()));
                        TRing.Add(d, theirs.Slice(start, len), d);
                        TRing.Add(e, theirs.Slice(m + start, len), e);
                    }
                }

                TRing.MultiplyAccumulate(d, b.AsSpan(start, len), z, scratch);
                TRing.MultiplyAccumulate(e, a.AsSpan(start, len), z, scratch);
                if (me == AdditiveSharing.ConstantHolder)
                {
                    TRing.MultiplyAccumulate(d, e, z, scratch);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratchArray);
        }
    }

    /// <summary>Opens the shares to every party (one round, audited) and returns the sum.</summary>
    private async ValueTask<T[]> OpenAllAsync<T, TRing>(T[] shares, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int bytes = shares.Length * Unsafe.SizeOf<T>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        byte[][] received = RentPeers(bytes);
        try
        {
            MemoryMarshal.AsBytes(shares.AsSpan()).CopyTo(buffer);
            await ExchangeAsync<T, TRing>(buffer, bytes, received, label, auditLength, combine: true, cancellationToken).ConfigureAwait(false);
            return MemoryMarshal.Cast<byte, T>(buffer.AsSpan(0, bytes)).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ReturnPeers(received);
        }
    }

    /// <summary>Opens the shares to <paramref name="recipient"/> only (one round, audited at every party): the sum there, null elsewhere.</summary>
    private async ValueTask<T[]?> OpenToOneAsync<T, TRing>(T[] shares, int recipient, string label, int auditLength, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        int bytes = shares.Length * Unsafe.SizeOf<T>();
        byte[][] received = _me == recipient ? RentPeers(bytes) : [];
        try
        {
            _session.Audit.Record(label, TRing.Domain, auditLength, recipient, _session.Trace.Rounds + 1);
            await _session.GatherAsync(recipient, MemoryMarshal.AsBytes(shares.AsSpan()).ToArray(), AsMemories(received, bytes), cancellationToken).ConfigureAwait(false);
            if (_me != recipient)
            {
                return null;
            }

            var sum = (T[])shares.Clone();
            for (int p = 0; p < _n; p++)
            {
                if (p != _me)
                {
                    TRing.Add(sum, MemoryMarshal.Cast<byte, T>(received[p].AsSpan(0, bytes)), sum);
                }
            }

            return sum;
        }
        finally
        {
            ReturnPeers(received);
        }
    }

    /// <summary>One audited all-to-all round of <paramref name="bytes"/> bytes of shares; with <paramref name="combine"/>
    /// the buffer ends up holding the sum (or XOR) of every party's shares.</summary>
    private async ValueTask ExchangeAsync<T, TRing>(byte[] buffer, int bytes, byte[][] received, string label, int auditLength, bool combine, CancellationToken cancellationToken)
        where T : unmanaged
        where TRing : IShareRing<T>
    {
        _session.Audit.Record(label, TRing.Domain, auditLength, null, _session.Trace.Rounds + 1);
        await _session.ExchangeAsync(buffer.AsMemory(0, bytes), AsMemories(received, bytes), cancellationToken).ConfigureAwait(false);
        for (int p = 0; combine && p < _n; p++)
        {
            if (p != _me)
            {
                Span<T> acc = MemoryMarshal.Cast<byte, T>(buffer.AsSpan(0, bytes));
                TRing.Add(acc, MemoryMarshal.Cast<byte, T>(received[p].AsSpan(0, bytes)), acc);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void CheckLength(int expected, int actual, string paramName)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"Length mismatch: expected {expected}, got {actual}.", paramName);
        }
    }

    private static Memory<byte>[] AsMemories(byte[][] buffers, int bytes)
    {
        var result = new Memory<byte>[buffers.Length];
        for (int p = 0; p < buffers.Length; p++)
        {
            result[p] = buffers[p] is null ? Memory<byte>.Empty : buffers[p].AsMemory(0, bytes);
        }

        return result;
    }

    private byte[][] RentPeers(int bytes)
    {
        var buffers = new byte[_n][];
        for (int p = 0; p < _n; p++)
        {
            if (p != _me)
            {
                buffers[p] = ArrayPool<byte>.Shared.Rent(bytes);
            }
        }

        return buffers;
    }

    private static void ReturnPeers(byte[][] buffers)
    {
        foreach (byte[] b in buffers)
        {
            if (b is not null)
            {
                ArrayPool<byte>.Shared.Return(b);
            }
        }
    }

    private void CheckParty(int party, string paramName)
    {
        if ((uint)party >= (uint)_n)
        {
            throw new ArgumentOutOfRangeException(paramName, party, $"Parties are numbered 0..{_n - 1}.");
        }
    }

    private void Check(ShareVector x, string paramName = "x") => HandleCheck.Mine(_me, x, paramName);

    private void Check(BitShareVector x, string paramName = "x") => HandleCheck.Mine(_me, x, paramName);

    private void CheckPair(ShareVector x, ShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        CheckLength(x.Length, y.Length, nameof(y));
    }

    private void CheckPair(BitShareVector x, BitShareVector y)
    {
        Check(x, nameof(x));
        Check(y, nameof(y));
        CheckLength(x.BitLength, y.BitLength, nameof(y));
    }
}
