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
    private readonly IArithmeticBlackBox _abb;
    private readonly SecureSelectionLayout _layout;
    private readonly CancellationToken _ct;
    private readonly int _n, _v, _f;
    private readonly int[] _valueFeature;

    /// <summary>Number of reduced columns R = V − F.</summary>
    private readonly int _r;
    private readonly int[] _reduced;   // reduced column → value
    private readonly int[] _lastValue; // feature → its last value
    private readonly int[] _paddedSlot; // reduced column → its place among its feature's reduced columns

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
        _paddedSlot = new int[_r];
        var used = new int[_f];
        for (int c = 0; c < _r; c++)
        {
            _paddedSlot[c] = used[_valueFeature[_reduced[c]]]++;
        }

        PaddedWidth = used.Length == 0 ? 0 : used.Max();

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
    internal ShareVector Xr { get; private set; } = default!;

    /// <summary>The reduced columns transposed, R × n (row c is column c of <see cref="Xr"/>): the column sums
    /// Σ_j a[j]·x[j,v] are R inner products of length n.</summary>
    internal ShareVector XrT { get; private set; } = default!;

    /// <summary>n × F × <see cref="PaddedWidth"/>: per person and feature, the feature's reduced columns, zero-padded
    /// to the widest feature (per-feature sums as inner products of one length).</summary>
    internal ShareVector XPadded { get; private set; } = default!;

    /// <summary>The most reduced columns of one feature (the largest feature's value count minus one).</summary>
    internal int PaddedWidth { get; }

    /// <summary>Number of reduced columns R = V − F.</summary>
    internal int R => _r;

    /// <summary>The value of reduced column c.</summary>
    internal int ReducedValue(int c) => _reduced[c];

    /// <summary>The last value of v's feature.</summary>
    internal int LastValueOf(int v) => _lastValue[_valueFeature[v]];

    /// <summary>The last value of feature f.</summary>
    internal int LastValueOfFeature(int f) => _lastValue[f];

    /// <summary>The feature of value v.</summary>
    internal int FeatureOf(int v) => _valueFeature[v];

    /// <summary>
    /// Makes the one-hot matrix a replicated sharing on the replicated engine (one masked opening of n·V values per
    /// attempt; nothing on other engines) and lays out the three copies the steps use. Call once, before the steps.
    /// </summary>
    internal async ValueTask PrepareAsync()
    {
        ShareVector x = await _abb.ToReplicatedAsync(X, ReplicateLabel, _ct).ConfigureAwait(false);
        int n = _n, v = _v, r = _r, f = _f, w = PaddedWidth;
        int[] reduced = _reduced, feature = _valueFeature, slot = _paddedSlot;
        Xr = _abb.Map(x, n * r, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < r; c++)
                {
                    o[(j * r) + c] = s[(j * v) + reduced[c]];
                }
            }
        });
        int stride = ColumnStride;
        XrT = _abb.Map(x, stride * r, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < r; c++)
                {
                    o[(c * stride) + j] = s[(j * v) + reduced[c]];
                }
            }
        });
        XPadded = _abb.Map(x, n * f * w, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < r; c++)
                {
                    o[(((j * f) + feature[reduced[c]]) * w) + slot[c]] = s[(j * v) + reduced[c]];
                }
            }
        });
    }

    /// <summary>Audit label of the masked opening that makes the pool's shares replicated (replicated engine only).</summary>
    internal const string ReplicateLabel = SecureSelector.MaskedPoolLabel;

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
        ShareVector all = await _abb.ToArithmeticKeepingCompanionsAsync(_abb.ConcatBits(parts), _ct).ConfigureAwait(false);
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
    // A linear map without constant term applied to each party's shares gives shares of the mapped secrets. They go
    // through LocalMaps.Map, which applies the map to the companion too, so that a replicated sharing stays replicated
    // and the replicated engine never has to re-share an operand (docs/secure-selection.md §3).

    /// <summary>n × R: row j is perPerson[j] repeated (for a product with the reduced columns).</summary>
    internal ShareVector ReducedRows(ShareVector perPerson)
    {
        int n = _n, r = _r;
        return _abb.Map(perPerson, n * r, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                o.Slice(j * r, r).Fill(s[j]);
            }
        });
    }

    /// <summary>Column sums are inner products of rows of at most this many terms (a column of n is cut into
    /// ⌈n / width⌉ zero-padded pieces whose sums are added locally), so that no single row is very long.</summary>
    internal const int ColumnPiece = 1024;

    /// <summary>The length of a piece of a column: min(n, <see cref="ColumnPiece"/>).</summary>
    internal int ColumnWidth => Math.Min(_n, ColumnPiece);

    /// <summary>Pieces per column.</summary>
    internal int ColumnPieces => (_n + ColumnWidth - 1) / ColumnWidth;

    /// <summary>A column of n padded to whole pieces.</summary>
    internal int ColumnStride => ColumnPieces * ColumnWidth;

    /// <summary>R × stride: row c is the per-person vector, zero-padded (for a product with <see cref="XrT"/>).</summary>
    internal ShareVector TiledRows(ShareVector perPerson)
    {
        int n = _n, r = _r, stride = ColumnStride;
        return _abb.Map(perPerson, stride * r, (s, o) =>
        {
            for (int c = 0; c < r; c++)
            {
                s.CopyTo(o.Slice(c * stride, n));
            }
        });
    }

    /// <summary>The inner-product group of Σ_j a[j]·x[j,v] over the reduced columns (R·pieces outputs); finish with
    /// <see cref="ColumnSums"/>.</summary>
    internal (ShareVector X, ShareVector Y, int Length, int Outputs) ColumnSumGroup(ShareVector perPerson) =>
        (XrT, TiledRows(perPerson), ColumnWidth, _r * ColumnPieces);

    /// <summary>R column sums from the pieces of <see cref="ColumnSumGroup"/>.</summary>
    internal ShareVector ColumnSums(ShareVector pieces)
    {
        int per = ColumnPieces;
        return per == 1 ? pieces : _abb.Map(pieces, _r, (s, o) =>
        {
            for (int c = 0; c < o.Length; c++)
            {
                o[c] = System.Numerics.Tensors.TensorPrimitives.Sum<uint>(s.Slice(c * per, per));
            }
        });
    }

    /// <summary>V from the R column sums Σ_j a[j]·x[j,v] (reduced v) and Σ_j a[j]: the last value of feature f gets
    /// Σ_j a[j] minus the sums of f's other values.</summary>
    internal ShareVector ExpandColumnSums(ShareVector reducedSums, ShareVector total)
    {
        int v = _v, r = _r, f = _f;
        int[] reduced = _reduced, last = _lastValue, feature = _valueFeature;
        return _abb.Map(_abb.Concat(reducedSums, total), v, (s, o) =>
        {
            for (int k = 0; k < f; k++)
            {
                o[last[k]] = s[r];
            }

            for (int c = 0; c < r; c++)
            {
                o[reduced[c]] = s[c];
                o[last[feature[reduced[c]]]] -= s[c];
            }
        });
    }

    /// <summary>The reduced columns (indexes into the R columns) of feature f's values, in order.</summary>
    internal int[] ReducedColumnsOf(int f) => Enumerable.Range(0, _r).Where(c => _valueFeature[_reduced[c]] == f).ToArray();

    /// <summary>n × m: x on the reduced columns <paramref name="columns"/> (m of them), row by row.</summary>
    internal ShareVector ReducedColumnsOfX(int[] columns)
    {
        int n = _n, r = _r, m = columns.Length;
        return _abb.Map(Xr, n * m, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    o[(j * m) + i] = s[(j * r) + columns[i]];
                }
            }
        });
    }

    /// <summary>n × m: row j is perPerson[j] repeated m times.</summary>
    internal ShareVector RepeatPerRow(ShareVector perPerson, int m)
    {
        int n = _n;
        return _abb.Map(perPerson, n * m, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                o.Slice(j * m, m).Fill(s[j]);
            }
        });
    }

    /// <summary>
    /// The inner-product group of a[j]·Σ_{v ∈ f} c[v]·x[j,v] for every person: row j is (a[j]·x[j,v] over f's reduced
    /// columns, a[j]) against (c[v] − c[last f] over them, c[last f]), n rows of m + 1 (<paramref name="products"/> holds
    /// the n × m products a[j]·x[j,v], null when m = 0).
    /// </summary>
    internal (ShareVector X, ShareVector Y, int Length, int Outputs) FoldedFeatureGroup(int f, int[] columns, ShareVector? products, ShareVector perPerson, ShareVector perValue)
    {
        int n = _n, m = columns.Length, width = m + 1, last = _lastValue[f];
        int[] values = columns.Select(c => _reduced[c]).ToArray();
        ShareVector x = _abb.Map(products is null ? perPerson : _abb.Concat(products, perPerson), n * width, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                s.Slice(j * m, m).CopyTo(o.Slice(j * width, m));
                o[(j * width) + m] = s[(n * m) + j];
            }
        });
        ShareVector y = _abb.Map(perValue, n * width, (s, o) =>
        {
            for (int i = 0; i < m; i++)
            {
                o[i] = s[values[i]] - s[last];
            }

            o[m] = s[last];
            for (int j = 1; j < n; j++)
            {
                o.Slice(0, width).CopyTo(o.Slice(j * width, width));
            }
        });
        return (x, y, width, n);
    }

    /// <summary>n × R: every row is (c_v − c_last(f(v))) over the reduced columns v.</summary>
    internal ShareVector ReducedCols(ShareVector perValue)
    {
        int n = _n, r = _r;
        int[] reduced = _reduced, last = _lastValue, feature = _valueFeature;
        return _abb.Map(perValue, n * r, (s, o) =>
        {
            for (int c = 0; c < r; c++)
            {
                int v = reduced[c];
                o[c] = s[v] - s[last[feature[v]]];
            }

            for (int j = 1; j < n; j++)
            {
                o.Slice(0, r).CopyTo(o.Slice(j * r, r));
            }
        });
    }

    /// <summary>n × F × L (L = <see cref="PaddedWidth"/>): per feature, (c_v − c_last) over its reduced values, zero-padded.</summary>
    internal ShareVector PaddedReducedCols(ShareVector perValue)
    {
        int n = _n, f = _f, w = PaddedWidth;
        int[] reduced = _reduced, last = _lastValue, feature = _valueFeature, slot = _paddedSlot;
        return _abb.Map(perValue, n * f * w, (s, o) =>
        {
            for (int c = 0; c < reduced.Length; c++)
            {
                int v = reduced[c];
                o[(feature[v] * w) + slot[c]] = s[v] - s[last[feature[v]]];
            }

            for (int j = 1; j < n; j++)
            {
                o.Slice(0, f * w).CopyTo(o.Slice(j * f * w, f * w));
            }
        });
    }

    /// <summary>Σ_f c_last(f): the constant part of Σ_v c_v·x[j,v] over a whole row (one value).</summary>
    internal ShareVector LastValueSum(ShareVector perValue)
    {
        int[] last = _lastValue;
        return _abb.Map(perValue, 1, (s, o) =>
        {
            foreach (int v in last)
            {
                o[0] += s[v];
            }
        });
    }

    /// <summary>n × F: c_last(f) in every row (the constant part of the per-feature sums).</summary>
    internal ShareVector LastValueRows(ShareVector perValue)
    {
        int n = _n, f = _f;
        int[] last = _lastValue;
        return _abb.Map(perValue, n * f, (s, o) =>
        {
            for (int k = 0; k < f; k++)
            {
                o[k] = s[last[k]];
            }

            for (int j = 1; j < n; j++)
            {
                o.Slice(0, f).CopyTo(o.Slice(j * f, f));
            }
        });
    }

    /// <summary>n × F: every row is the per-feature vector.</summary>
    internal ShareVector RowsOfFeatures(ShareVector perFeature)
    {
        int n = _n, f = _f;
        return _abb.Map(perFeature, n * f, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                s.CopyTo(o.Slice(j * f, f));
            }
        });
    }

    internal ShareVector Broadcast(ShareVector single, int length) =>
        _abb.Map(single, length, (s, o) => o.Fill(s[0]));

    internal ShareVector RowSums(ShareVector matrix, int width)
    {
        int n = _n;
        return _abb.Map(matrix, n, (s, o) =>
        {
            for (int j = 0; j < n; j++)
            {
                uint acc = 0;
                foreach (uint x in s.Slice(j * width, width))
                {
                    acc += x;
                }

                o[j] = acc;
            }
        });
    }

    /// <summary>F: Σ_{v ∈ f} x[v].</summary>
    internal ShareVector FeatureSums(ShareVector perValue)
    {
        int v = _v;
        int[] feature = _valueFeature;
        return _abb.Map(perValue, _f, (s, o) =>
        {
            for (int i = 0; i < v; i++)
            {
                o[feature[i]] += s[i];
            }
        });
    }

    internal ShareVector Sum(ShareVector x) => _abb.Map(x, 1, (s, o) =>
    {
        uint acc = 0;
        foreach (uint e in s)
        {
            acc += e;
        }

        o[0] = acc;
    });

    internal ShareVector PrefixSums(ShareVector x) => _abb.Map(x, x.Length, (s, o) =>
    {
        uint acc = 0;
        for (int i = 0; i < s.Length; i++)
        {
            acc += s[i];
            o[i] = acc;
        }
    });

    /// <summary>h_j = Σ over j's address group of pick (pick_j itself when j shares no address).</summary>
    internal ShareVector GroupSums(ShareVector pick)
    {
        int[][] groups = _layout.HouseholdGroups;
        return _abb.Map(pick, pick.Length, (s, o) =>
        {
            s.CopyTo(o);
            foreach (int[] group in groups)
            {
                uint acc = 0;
                foreach (int j in group)
                {
                    acc += s[j];
                }

                foreach (int j in group)
                {
                    o[j] = acc;
                }
            }
        });
    }

    internal ShareVector Gather(ShareVector x, int[] index) => _abb.Map(x, index.Length, (s, o) =>
    {
        for (int i = 0; i < index.Length; i++)
        {
            o[i] = s[index[i]];
        }
    });

    /// <summary>
    /// Several groups of inner products in one round: group g has <c>Outputs</c> rows of length L_g (a group with
    /// L = 0 gives zeros and costs nothing). On the replicated engine every row is zero-padded to the longest L (local
    /// work only; one element of traffic per output whatever L); elsewhere one multiplication of all terms and local
    /// row sums (what the Beaver engine's own inner product does).
    /// </summary>
    internal async ValueTask<ShareVector[]> InnerProductsAsync(params (ShareVector X, ShareVector Y, int Length, int Outputs)[] groups)
    {
        var result = new ShareVector[groups.Length];
        var live = Enumerable.Range(0, groups.Length).Where(g => groups[g].Length > 0).ToArray();
        foreach (int g in Enumerable.Range(0, groups.Length).Except(live))
        {
            result[g] = _abb.Public(new uint[groups[g].Outputs]);
        }

        if (live.Length == 0)
        {
            return result;
        }

        if (!_abb.KeepsReplicatedSharings)
        {
            ShareVector[] products = await MulAsync(live.Select(g => (groups[g].X, groups[g].Y)).ToArray()).ConfigureAwait(false);
            for (int i = 0; i < live.Length; i++)
            {
                int length = groups[live[i]].Length;
                result[live[i]] = length == 1 ? products[i] : _abb.Map(products[i], groups[live[i]].Outputs, (s, o) =>
                {
                    for (int row = 0; row < o.Length; row++)
                    {
                        o[row] = System.Numerics.Tensors.TensorPrimitives.Sum<uint>(s.Slice(row * length, length));
                    }
                });
            }

            return result;
        }

        // The row length of the group with the most terms; every group's rows are cut into pieces of at most that many
        // terms (one output each, as if zero-padded to a multiple of it: the engine sums in place, nothing is padded),
        // whose sums are added locally.
        int width = groups[live.MaxBy(g => groups[g].X.Length)].Length;
        var operands = new (ShareVector X, ShareVector Y, int Length)[live.Length];
        for (int i = 0; i < live.Length; i++)
        {
            operands[i] = (groups[live[i]].X, groups[live[i]].Y, groups[live[i]].Length);
        }

        ShareVector[] pieces = await _abb.InnerProductPiecesAsync(operands, width, _ct).ConfigureAwait(false);
        for (int i = 0; i < live.Length; i++)
        {
            int per = (groups[live[i]].Length + width - 1) / width;
            result[live[i]] = per == 1 ? pieces[i] : _abb.Map(pieces[i], groups[live[i]].Outputs, (s, o) =>
            {
                for (int row = 0; row < o.Length; row++)
                {
                    o[row] = System.Numerics.Tensors.TensorPrimitives.Sum<uint>(s.Slice(row * per, per));
                }
            });
        }

        return result;
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

    internal static void SetBit(Span<ulong> words, int i, ulong bit) => words[i >> 6] |= bit << (i & 63);
}
