using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// The machinery every secure greedy step shares, written once: the public indexes derived from the layout (value →
/// feature, the reduced columns, the value pairs), this party's black box, and the batching helpers and local linear
/// maps on shares that the engine (<see cref="SecureGreedyEngine"/>) and the step rules (<see cref="SecureStepRule"/>)
/// are written with. Everything here depends on public parameters only.
/// </summary>
internal sealed class SecureGreedyContext
{
    /// <summary>Scratch for the n × V broadcasts (FromShares copies it).</summary>
    private readonly uint[] _scratch;

    private readonly IArithmeticBlackBox _abb;
    private readonly SecureSelectionLayout _layout;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f;
    private readonly int[] _valueFeature;

    /// <summary>Number of reduced columns R = V − F.</summary>
    private readonly int _r;
    private readonly int[] _reduced;   // reduced column → value
    private readonly int[] _lastValue; // feature → its last value

    internal SecureGreedyContext(IArithmeticBlackBox abb, SecurePool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Features.PartyIndex != abb.PartyIndex)
        {
            throw new ArgumentException($"The pool holds party {pool.Features.PartyIndex}'s shares; this black box is party {abb.PartyIndex}.", nameof(pool));
        }

        _abb = abb;
        _layout = pool.Layout;
        X = pool.Features;
        _ct = cancellationToken;
        _n = _layout.CandidateCount;
        _v = _layout.ValueCount;
        _f = _layout.Features.Count;
        Min = _layout.ValueMin.Select(m => (uint)m).ToArray();
        Max = _layout.ValueMax.Select(m => (uint)m).ToArray();
        NegatedMin = Negated(Min);
        NegatedMax = Negated(Max);
        _scratch = new uint[checked(_n * Math.Max(_v, _f))];
        _valueFeature = new int[_v];
        for (int f = 0; f < _f; f++)
        {
            for (int v = _layout.FeatureOffset[f]; v < _layout.FeatureOffset[f + 1]; v++)
            {
                _valueFeature[v] = f;
            }
        }

        _lastValue = new int[_f];
        for (int f = 0; f < _f; f++)
        {
            _lastValue[f] = _layout.FeatureOffset[f + 1] - 1;
        }

        _reduced = Enumerable.Range(0, _v).Where(v => v != _lastValue[_valueFeature[v]]).ToArray();
        _r = _reduced.Length;
        ReadOnlySpan<uint> xs = X.Values;
        var xr = new uint[_n * _r];
        for (int j = 0; j < _n; j++)
        {
            for (int c = 0; c < _r; c++)
            {
                xr[(j * _r) + c] = xs[(j * _v) + _reduced[c]];
            }
        }

        Xr = abb.FromShares(xr);

        int pairs = _v * (_v - 1) / 2;
        PairA = new int[pairs];
        PairB = new int[pairs];
        PairIndex = new int[_v, _v];
        int p = 0;
        for (int a = 0; a < _v; a++)
        {
            for (int b = a + 1; b < _v; b++)
            {
                PairA[p] = a;
                PairB[p] = b;
                PairIndex[a, b] = PairIndex[b, a] = p;
                p++;
            }
        }
    }

    /// <summary>This party's black box.</summary>
    internal IArithmeticBlackBox Abb => _abb;

    /// <summary>The cancellation token of the attempt.</summary>
    internal CancellationToken CancellationToken => _ct;

    /// <summary>The public layout.</summary>
    internal SecureSelectionLayout Layout => _layout;

    /// <summary>This party's shares of the n × V one-hot matrix x.</summary>
    internal ShareVector X { get; }

    /// <summary>
    /// The columns of x except the last value of each feature (R = V − F of them), n × R. Because each row is
    /// one-hot within a feature, the last column is 1 minus the others, so a product of a per-person or per-value
    /// vector with x needs only these columns: the rest follows locally.
    /// </summary>
    internal ShareVector Xr { get; }

    /// <summary>Number of candidates n.</summary>
    internal int N => _n;

    /// <summary>Number of values V.</summary>
    internal int V => _v;

    /// <summary>Number of features F.</summary>
    internal int F => _f;

    /// <summary>Per value: its min quota.</summary>
    internal uint[] Min { get; }

    /// <summary>Per value: its max quota.</summary>
    internal uint[] Max { get; }

    /// <summary>Per value: −min mod 2^32 (to add publicly).</summary>
    internal uint[] NegatedMin { get; }

    /// <summary>Per value: −max mod 2^32.</summary>
    internal uint[] NegatedMax { get; }

    /// <summary>Pair p = (PairA[p], PairB[p]) with PairA[p] &lt; PairB[p], for the V(V−1)/2 pairs of values.</summary>
    internal int[] PairA { get; }

    /// <summary>See <see cref="PairA"/>.</summary>
    internal int[] PairB { get; }

    /// <summary>The pair number of (a, b) and of (b, a).</summary>
    internal int[,] PairIndex { get; }

    // ------------------------------------------------------------------ batching helpers (one round each)

    internal async ValueTask<ShareVector[]> MulAsync(params (ShareVector X, ShareVector Y)[] pairs)
    {
        if (pairs.Length == 1)
        {
            return [await _abb.MultiplyAsync(pairs[0].X, pairs[0].Y, _ct).ConfigureAwait(false)];
        }

        var xs = new ShareVector[pairs.Length];
        var ys = new ShareVector[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            (xs[i], ys[i]) = pairs[i];
        }

        ShareVector z = await _abb.MultiplyAsync(_abb.Concat(xs), _abb.Concat(ys), _ct).ConfigureAwait(false);
        return Split(z, xs);
    }

    internal async ValueTask<BitShareVector[]> SignsAsync(params ShareVector[] parts)
    {
        BitShareVector all = await _abb.IsNegativeAsync(_abb.Concat(parts), _ct).ConfigureAwait(false);
        var result = new BitShareVector[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.SliceBits(all, at, parts[i].Length);
            at += parts[i].Length;
        }

        return result;
    }

    internal async ValueTask<ShareVector[]> ToArithmeticAsync(params BitShareVector[] parts)
    {
        ShareVector all = await _abb.ToArithmeticAsync(_abb.ConcatBits(parts), _ct).ConfigureAwait(false);
        var result = new ShareVector[parts.Length];
        int at = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = _abb.Slice(all, at, parts[i].BitLength);
            at += parts[i].BitLength;
        }

        return result;
    }

    internal ShareVector[] Split(ShareVector z, ShareVector[] like)
    {
        var result = new ShareVector[like.Length];
        int at = 0;
        for (int i = 0; i < like.Length; i++)
        {
            result[i] = _abb.Slice(z, at, like[i].Length);
            at += like[i].Length;
        }

        return result;
    }

    // ------------------------------------------------------------------ local linear maps on shares
    // A linear map without constant term applied to each party's shares gives shares of the mapped secrets.

    /// <summary>n × R: row j is perPerson[j] repeated (for a product with the reduced columns).</summary>
    internal ShareVector ReducedRows(ShareVector perPerson)
    {
        ReadOnlySpan<uint> s = perPerson.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _r);
        for (int j = 0; j < _n; j++)
        {
            r.Slice(j * _r, _r).Fill(s[j]);
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V from a[j]·x[j,v] on the reduced columns: the last value of feature f is a[j] − Σ of the others.</summary>
    internal ShareVector ExpandRows(ShareVector reducedProduct, ShareVector perPerson)
    {
        ReadOnlySpan<uint> p = reducedProduct.Values, a = perPerson.Values;
        var r = new uint[_n * _v];
        Span<uint> featureSum = stackalloc uint[_f];
        for (int j = 0; j < _n; j++)
        {
            featureSum.Clear();
            int row = j * _v;
            for (int c = 0; c < _r; c++)
            {
                int v = _reduced[c];
                uint x = p[(j * _r) + c];
                r[row + v] = x;
                featureSum[_valueFeature[v]] += x;
            }

            for (int f = 0; f < _f; f++)
            {
                r[row + _lastValue[f]] = a[j] - featureSum[f];
            }
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × R: every row is (c_v − c_last(f(v))) over the reduced columns v.</summary>
    internal ShareVector ReducedCols(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        Span<uint> row = stackalloc uint[_r];
        for (int c = 0; c < _r; c++)
        {
            int v = _reduced[c];
            row[c] = s[v] - s[_lastValue[_valueFeature[v]]];
        }

        Span<uint> r = _scratch.AsSpan(0, _n * _r);
        for (int j = 0; j < _n; j++)
        {
            row.CopyTo(r.Slice(j * _r, _r));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: Σ_{v ∈ f} c_v·x[j,v] = c_last(f) + Σ_{v ∈ f, not last} (c_v − c_last(f))·x[j,v], from the product of <see cref="ReducedCols"/> with the reduced columns.</summary>
    internal ShareVector FeatureSumsOfReduced(ShareVector reducedProduct, ShareVector perValue)
    {
        ReadOnlySpan<uint> p = reducedProduct.Values, c = perValue.Values;
        var r = new uint[_n * _f];
        for (int j = 0; j < _n; j++)
        {
            int row = j * _f;
            for (int f = 0; f < _f; f++)
            {
                r[row + f] = c[_lastValue[f]];
            }

            for (int k = 0; k < _r; k++)
            {
                r[row + _valueFeature[_reduced[k]]] += p[(j * _r) + k];
            }
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × V: every row is the per-value vector.</summary>
    internal ShareVector Cols(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _v);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _v, _v));
        }

        return _abb.FromShares(r);
    }

    /// <summary>n × F: every row is the per-feature vector.</summary>
    internal ShareVector RowsOfFeatures(ShareVector perFeature)
    {
        ReadOnlySpan<uint> s = perFeature.Values;
        Span<uint> r = _scratch.AsSpan(0, _n * _f);
        for (int j = 0; j < _n; j++)
        {
            s.CopyTo(r.Slice(j * _f, _f));
        }

        return _abb.FromShares(r);
    }

    internal ShareVector Broadcast(ShareVector single, int length)
    {
        var r = new uint[length];
        r.AsSpan().Fill(single.Values[0]);
        return _abb.FromShares(r);
    }

    internal ShareVector ColumnSums(ShareVector matrix)
    {
        ReadOnlySpan<uint> s = matrix.Values;
        var r = new uint[_v];
        for (int j = 0; j < _n; j++)
        {
            ReadOnlySpan<uint> row = s.Slice(j * _v, _v);
            for (int v = 0; v < _v; v++)
            {
                r[v] += row[v];
            }
        }

        return _abb.FromShares(r);
    }

    internal ShareVector RowSums(ShareVector matrix, int width)
    {
        ReadOnlySpan<uint> s = matrix.Values;
        var r = new uint[_n];
        for (int j = 0; j < _n; j++)
        {
            uint acc = 0;
            foreach (uint x in s.Slice(j * width, width))
            {
                acc += x;
            }

            r[j] = acc;
        }

        return _abb.FromShares(r);
    }

    /// <summary>F: Σ_{v ∈ f} x[v].</summary>
    internal ShareVector FeatureSums(ShareVector perValue)
    {
        ReadOnlySpan<uint> s = perValue.Values;
        var r = new uint[_f];
        for (int v = 0; v < _v; v++)
        {
            r[_valueFeature[v]] += s[v];
        }

        return _abb.FromShares(r);
    }

    internal ShareVector Sum(ShareVector x)
    {
        uint acc = 0;
        foreach (uint s in x.Values)
        {
            acc += s;
        }

        return _abb.FromShares([acc]);
    }

    internal ShareVector PrefixSums(ShareVector x)
    {
        ReadOnlySpan<uint> s = x.Values;
        var r = new uint[s.Length];
        uint acc = 0;
        for (int i = 0; i < s.Length; i++)
        {
            acc += s[i];
            r[i] = acc;
        }

        return _abb.FromShares(r);
    }

    /// <summary>h_j = Σ over j's address group of pick (pick_j itself when j shares no address).</summary>
    internal ShareVector GroupSums(ShareVector pick)
    {
        uint[] r = pick.Values.ToArray();
        ReadOnlySpan<uint> s = pick.Values;
        foreach (int[] group in _layout.HouseholdGroups)
        {
            uint acc = 0;
            foreach (int j in group)
            {
                acc += s[j];
            }

            foreach (int j in group)
            {
                r[j] = acc;
            }
        }

        return _abb.FromShares(r);
    }

    internal ShareVector Gather(ShareVector x, int[] index)
    {
        ReadOnlySpan<uint> s = x.Values;
        var r = new uint[index.Length];
        for (int i = 0; i < index.Length; i++)
        {
            r[i] = s[index[i]];
        }

        return _abb.FromShares(r);
    }

    internal static uint[] Gather(uint[] x, int[] index)
    {
        var r = new uint[index.Length];
        for (int i = 0; i < index.Length; i++)
        {
            r[i] = x[index[i]];
        }

        return r;
    }

    internal static uint[] Negated(uint[] x) => x.Select(c => 0u - c).ToArray();

    internal static uint[] Tile(uint[] row, int times)
    {
        var r = new uint[row.Length * times];
        for (int j = 0; j < times; j++)
        {
            row.CopyTo(r, j * row.Length);
        }

        return r;
    }

    internal static int Words(int bits) => (bits + 63) >> 6;

    internal static ulong Bit(ReadOnlySpan<ulong> words, int i) => (words[i >> 6] >> (i & 63)) & 1UL;

    internal static void SetBit(ulong[] words, int i, ulong bit) => words[i >> 6] |= bit << (i & 63);
}
