using System.Diagnostics;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Records;

/// <summary>How sign-ups are matched to the tax office's records.</summary>
public enum RecordMatching
{
    /// <summary>By invitation code, in the clear on the code hashes (the default, and cheap: no MPC for the join).
    /// A sign-up without a code, or whose code has no record, gets "unknown". The providers learn which code hashes
    /// have a record and which of them signed up (see docs/design2.md).</summary>
    Code,

    /// <summary>By code where a sign-up's code has a record; every other sign-up is matched by its person key under MPC.</summary>
    CodeThenPersonKey,

    /// <summary>Every sign-up by its person key under MPC (n × N equality tests); nothing about who matched is opened.</summary>
    PersonKey,
}

/// <summary>Settings of a join; every provider must use the same (they are part of the agreement).</summary>
public sealed class RecordJoinOptions
{
    /// <summary>The matching mode; <see cref="RecordMatching.Code"/> by default.</summary>
    public RecordMatching Matching { get; init; } = RecordMatching.Code;

    /// <summary>The public bands, one selection feature each (at least one, typically income).</summary>
    public IReadOnlyList<AttributeBands> Bands { get; init; } = [];

    /// <summary>The provider that receives the band statistics (0 by default, the analyser).</summary>
    public int Analyser { get; init; }

    /// <summary>Whether the band statistics are opened to the analyser (default true).</summary>
    public bool OpenStatistics { get; init; } = true;

    /// <summary>Equality tests per batch of the matching under MPC (default 2^18): bounds memory; a batch is ⌊this / N⌋
    /// sign-ups (at least one). The batches depend only on n and N.</summary>
    public int BatchTests { get; init; } = 1 << 18;
}

/// <summary>The band counts opened to the analyser for one band feature.</summary>
/// <param name="Feature">The band feature (bands, then "unknown").</param>
/// <param name="Invited">Per band, the number of records (all invited citizens the tax office holds).</param>
/// <param name="Signups">Per value of the feature (bands, then "unknown"), the number of sign-ups.</param>
public sealed record BandStatistics(Feature Feature, IReadOnlyList<int> Invited, IReadOnlyList<int> Signups);

/// <summary>The outcome of a join at one provider.</summary>
public sealed class RecordJoinResult
{
    internal RecordJoinResult(IReadOnlyList<Feature> features, uint[] columns, int width, IReadOnlyList<BandStatistics>? statistics, bool[] byCode, int underMpc, SessionCost cost, TimeSpan time)
    {
        Features = features;
        Columns = columns;
        Width = width;
        Statistics = statistics;
        MatchedByCode = byCode;
        MatchedUnderMpc = underMpc;
        Cost = cost;
        Time = time;
    }

    /// <summary>The band features, in the order of <see cref="RecordJoinOptions.Bands"/>.</summary>
    public IReadOnlyList<Feature> Features { get; }

    /// <summary>This provider's additive shares of the joined one-hot columns, n × <see cref="Width"/> (sign-up-major;
    /// per band feature its bands, then "unknown"). SECRET.</summary>
    public ReadOnlyMemory<uint> Columns { get; }

    /// <summary>The number of joined columns per sign-up.</summary>
    public int Width { get; }

    /// <summary>At the analyser, when opened: the band counts; otherwise null.</summary>
    public IReadOnlyList<BandStatistics>? Statistics { get; }

    /// <summary>Per sign-up, whether its code matched a record (public in the code modes; all false in
    /// <see cref="RecordMatching.PersonKey"/>).</summary>
    public IReadOnlyList<bool> MatchedByCode { get; }

    /// <summary>How many sign-ups were compared with every record under MPC.</summary>
    public int MatchedUnderMpc { get; }

    /// <summary>This provider's traffic and gates for the join.</summary>
    public SessionCost Cost { get; }

    /// <summary>The join's wall-clock time at this provider.</summary>
    public TimeSpan Time { get; }

    /// <summary>Describes the result without any share.</summary>
    /// <returns>Sizes and counts.</returns>
    public override string ToString() => $"RecordJoinResult(n={MatchedByCode.Count}, width={Width}, by code={MatchedByCode.Count(b => b)}, under MPC={MatchedUnderMpc})";
}

/// <summary>
/// Design 2's join: the tax office's records (secret-shared attributes) joined to the sign-ups, each banded attribute
/// turned into a one-hot band row under MPC, and the band statistics opened to the analyser. Every provider runs the same
/// calls (SPMD) on its own black box; see docs/design2.md for the protocol, its cost and what is learned.
/// </summary>
/// <remarks>
/// <para><b>Bands of every record</b>: [x &lt; t] for every record and threshold (one batched comparison with public
/// constants, sign of difference, exact because 0 ≤ x, t &lt; 2^31), converted to 0/1 values; band b is
/// [x &lt; t_{b+1}] − [x &lt; t_b] (local, the comparisons are monotone).</para>
/// <para><b>By code</b>: the providers look up each sign-up's code hash among the records' (public) and copy the record's
/// band shares (local). No code or no record: the public row "unknown".</para>
/// <para><b>Under MPC</b>: for a batch of sign-ups, both 32-bit words of every (sign-up, record) pair are tested for
/// equality (one batched zero test of the differences), the two bits ANDed and converted to 0/1 values e[j,i]; the
/// matched band row is Σ_i e[j,i]·band[i,·] (one inner product per output) and the match count c_j = Σ_i e[j,i] (local).
/// After the batches, u_j = [c_j = 1] (zero test of c_j − 1); the joined row is u_j · (matched row) and "unknown" is
/// 1 − u_j, so no match and several matches both give "unknown". Nothing is opened but masked values.</para>
/// <para><b>Statistics</b> (with <see cref="RecordJoinOptions.OpenStatistics"/>): per band feature the counts over all
/// records and over the sign-ups (including "unknown"), opened to the analyser only under
/// <see cref="InvitedCountsLabel"/> and <see cref="SignupCountsLabel"/>.</para>
/// </remarks>
public static class RecordJoin
{
    /// <summary>Audit label of the band counts over all records (to the analyser).</summary>
    public const string InvitedCountsLabel = "RecordJoin.invited band counts";

    /// <summary>Audit label of the band counts over the sign-ups (to the analyser).</summary>
    public const string SignupCountsLabel = "RecordJoin.sign-up band counts";

    private const int InnerProductSegment = 256;

    /// <summary>Joins the records to the sign-ups at this provider (see the remarks).</summary>
    /// <param name="abb">This provider's black box (three parties).</param>
    /// <param name="signups">This provider's view of the sign-ups.</param>
    /// <param name="records">This provider's part of the records.</param>
    /// <param name="options">The settings (the same at every provider).</param>
    /// <param name="cancellationToken">Cancels the join.</param>
    /// <returns>The joined columns (shares), the statistics at the analyser.</returns>
    /// <exception cref="ArgumentException">A band names an attribute the records do not have, no band is given, the mode
    /// needs codes or person keys that are missing, or the parties do not fit.</exception>
    public static async Task<RecordJoinResult> JoinAsync(IArithmeticBlackBox abb, SignupShares signups, RecordShares records, RecordJoinOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(signups);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        Validate(abb, signups, records, options);
        var clock = Stopwatch.StartNew();
        SessionCost before = abb.Cost;
        int me = abb.PartyIndex, n = signups.Count, bigN = records.Count;
        AttributeBands[] bands = [.. options.Bands];

        // 1. The band columns of every record: per band feature, B columns of N values (replicated where the engine is).
        ShareVector[] bandColumns = await BandColumnsAsync(abb, records, bands, cancellationToken).ConfigureAwait(false);
        int bandWidth = bands.Sum(b => b.BandCount);          // W′: band columns without "unknown"
        int width = bandWidth + bands.Length;                 // W: with one "unknown" per feature

        // 2. By code (public look-up).
        var byCode = new int[n];
        Array.Fill(byCode, -1);
        if (options.Matching != RecordMatching.PersonKey)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < bigN; i++)
            {
                // A code hash held by two records (possible only in shares built without the CSV reader) matches nothing.
                string hash = records.CodeHashes![i];
                index[hash] = index.ContainsKey(hash) ? -1 : i;
            }

            for (int j = 0; j < n; j++)
            {
                if (signups.CodeHashes[j] is string h && index.TryGetValue(h, out int i) && i >= 0)
                {
                    byCode[j] = i;
                }
            }
        }

        int[] underMpc = options.Matching switch
        {
            RecordMatching.Code => [],
            RecordMatching.CodeThenPersonKey => Enumerable.Range(0, n).Where(j => byCode[j] < 0).ToArray(),
            _ => Enumerable.Range(0, n).ToArray(),
        };

        // 3. Under MPC.
        ShareVector? mpcRows = null, mpcUnknown = null;
        if (underMpc.Length > 0)
        {
            (mpcRows, mpcUnknown) = await MatchUnderMpcAsync(abb, signups, records, underMpc, bandColumns, bandWidth, options.BatchTests, cancellationToken).ConfigureAwait(false);
        }

        // 4. Assemble n × W additive shares.
        var columns = new uint[checked(n * width)];
        var mpcIndex = new int[n];
        Array.Fill(mpcIndex, -1);
        for (int p = 0; p < underMpc.Length; p++)
        {
            mpcIndex[underMpc[p]] = p;
        }

        for (int j = 0; j < n; j++)
        {
            Span<uint> row = columns.AsSpan(j * width, width);
            int at = 0;
            for (int f = 0; f < bands.Length; f++)
            {
                int bandCount = bands[f].BandCount;
                if (byCode[j] >= 0)
                {
                    ReadOnlySpan<uint> column = bandColumns[f].Values;
                    for (int b = 0; b < bandCount; b++)
                    {
                        row[at + b] = column[(b * bigN) + byCode[j]];
                    }

                    row[at + bandCount] = 0;
                }
                else if (mpcIndex[j] >= 0)
                {
                    int offset = bands.Take(f).Sum(x => x.BandCount);
                    mpcRows!.Values.Slice((mpcIndex[j] * bandWidth) + offset, bandCount).CopyTo(row[at..]);
                    row[at + bandCount] = mpcUnknown!.Values[mpcIndex[j]];
                }
                else
                {
                    row[at + bandCount] = me == 0 ? 1u : 0u;       // the public row "unknown"
                }

                at += bandCount + 1;
            }
        }

        // 5. Statistics to the analyser.
        List<BandStatistics>? statistics = null;
        if (options.OpenStatistics)
        {
            var invited = new uint[bandWidth];
            for (int f = 0, at = 0; f < bands.Length; f++)
            {
                ReadOnlySpan<uint> column = bandColumns[f].Values;
                for (int b = 0; b < bands[f].BandCount; b++, at++)
                {
                    invited[at] = Sum(column.Slice(b * bigN, bigN));
                }
            }

            var signupCounts = new uint[width];
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < width; c++)
                {
                    signupCounts[c] += columns[(j * width) + c];
                }
            }

            uint[]? openInvited = await abb.OpenToAsync(abb.FromShares(invited), options.Analyser, InvitedCountsLabel, cancellationToken).ConfigureAwait(false);
            uint[]? openSignups = await abb.OpenToAsync(abb.FromShares(signupCounts), options.Analyser, SignupCountsLabel, cancellationToken).ConfigureAwait(false);
            if (openInvited is not null && openSignups is not null)
            {
                statistics = [];
                for (int f = 0, at = 0, at2 = 0; f < bands.Length; f++)
                {
                    int bc = bands[f].BandCount;
                    statistics.Add(new BandStatistics(bands[f].Feature, openInvited.Skip(at).Take(bc).Select(x => (int)x).ToArray(), openSignups.Skip(at2).Take(bc + 1).Select(x => (int)x).ToArray()));
                    at += bc;
                    at2 += bc + 1;
                }
            }
        }

        bool[] matched = byCode.Select(i => i >= 0).ToArray();
        return new RecordJoinResult(bands.Select(b => b.Feature).ToArray(), columns, width, statistics, matched, underMpc.Length, abb.Cost - before, clock.Elapsed);
    }

    private static void Validate(IArithmeticBlackBox abb, SignupShares signups, RecordShares records, RecordJoinOptions options)
    {
        if (abb.PartyCount != 3 || abb.PartyIndex != records.Party)
        {
            throw new ArgumentException($"The join runs with three parties and this provider's records: the black box is party {abb.PartyIndex} of {abb.PartyCount}, the records are party {records.Party}'s.", nameof(records));
        }

        if (options.Bands is null || options.Bands.Count == 0)
        {
            throw new ArgumentException("Give at least one band feature (e.g. income bands).", nameof(options));
        }

        foreach (AttributeBands band in options.Bands)
        {
            if (!records.AttributeNames.Contains(band.Attribute, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The bands name the attribute '{band.Attribute}', which the records do not have (they have {string.Join(", ", records.AttributeNames)}).", nameof(options));
            }
        }

        if (options.Analyser is < 0 or > 2)
        {
            throw new ArgumentException("The analyser must be provider 0, 1 or 2.", nameof(options));
        }

        if (options.BatchTests < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchTests, $"RecordJoinOptions.BatchTests must be at least 1 (got {options.BatchTests}).");
        }

        if (options.Matching != RecordMatching.PersonKey && records.CodeHashes is null)
        {
            throw new ArgumentException("Matching by code needs records with code hashes (a 'code' column).", nameof(options));
        }

        if (options.Matching != RecordMatching.Code && (!records.HasPersonKeys || !signups.HasPersonKeys))
        {
            throw new ArgumentException($"Matching under MPC needs person keys on both sides (records: {(records.HasPersonKeys ? "yes" : "no")}, sign-ups: {(signups.HasPersonKeys ? "yes" : "no")}).", nameof(options));
        }
    }

    private static uint Sum(ReadOnlySpan<uint> values)
    {
        uint s = 0;
        foreach (uint v in values)
        {
            s += v;
        }

        return s;
    }

    /// <summary>Per band feature: B·N values, column b (N values) the 0/1 indicator of band b for every record.</summary>
    private static async Task<ShareVector[]> BandColumnsAsync(IArithmeticBlackBox abb, RecordShares records, AttributeBands[] bands, CancellationToken ct)
    {
        int bigN = records.Count, a = records.AttributeNames.Count;
        int tests = bands.Sum(b => b.Thresholds.Count);
        var x = new uint[checked(tests * bigN)];
        var c = new uint[x.Length];
        ReadOnlySpan<uint> attributes = records.AttributeShares.Span;
        int at = 0;
        foreach (AttributeBands band in bands)
        {
            int column = IndexOf(records.AttributeNames, band.Attribute);
            foreach (uint t in band.Thresholds)
            {
                for (int i = 0; i < bigN; i++, at++)
                {
                    x[at] = attributes[(i * a) + column];
                    c[at] = t;
                }
            }
        }

        BitShareVector below = await abb.LessThanAsync(abb.FromShares(x), c, ComparisonMode.SignOfDifference, ct).ConfigureAwait(false);
        Array.Clear(x);
        ShareVector lt = await RecordPrimitives.BitsToArithmeticAsync(abb, below, ct).ConfigureAwait(false);
        var result = new ShareVector[bands.Length];
        at = 0;
        for (int f = 0; f < bands.Length; f++)
        {
            int m = bands[f].Thresholds.Count;
            var parts = new ShareVector[m + 1];
            ShareVector Lt(int k) => abb.Slice(lt, (at + k) * bigN, bigN);
            parts[0] = Lt(0);
            for (int b = 1; b < m; b++)
            {
                parts[b] = abb.Subtract(Lt(b), Lt(b - 1));
            }

            parts[m] = abb.AddPublic(abb.Negate(Lt(m - 1)), 1u);
            result[f] = abb.Concat(parts);
            at += m;
        }

        return result;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentException($"No attribute '{name}'.", nameof(name));
    }

    /// <summary>The n × N matching for the sign-ups <paramref name="who"/>: their gated band rows (|who|·W′) and
    /// "unknown" bits (|who|).</summary>
    private static async Task<(ShareVector Rows, ShareVector Unknown)> MatchUnderMpcAsync(IArithmeticBlackBox abb, SignupShares signups, RecordShares records, int[] who, ShareVector[] bandColumns, int bandWidth, int batchTests, CancellationToken ct)
    {
        int bigN = records.Count;
        int batch = Math.Max(1, batchTests / bigN);

        // The keys once in replicated form where the engine has it (then every zero test runs in its cheaper mode).
        uint[] signupKeys = new uint[2 * who.Length];
        ReadOnlySpan<uint> allKeys = signups.PersonKeyShares.Span;
        for (int p = 0; p < who.Length; p++)
        {
            signupKeys[2 * p] = allKeys[2 * who[p]];
            signupKeys[(2 * p) + 1] = allKeys[(2 * who[p]) + 1];
        }

        ShareVector sKeys = await RecordPrimitives.ReshareAsync(abb, abb.FromShares(signupKeys), ct).ConfigureAwait(false);
        ShareVector rKeys = await RecordPrimitives.ReshareAsync(abb, abb.FromShares(records.PersonKeyShares.Span), ct).ConfigureAwait(false);
        Array.Clear(signupKeys);

        // Record words as two columns (high words, then low words), N each.
        ShareVector rHigh = abb.Concat(Enumerable.Range(0, bigN).Select(i => abb.Slice(rKeys, 2 * i, 1)).ToArray());
        ShareVector rLow = abb.Concat(Enumerable.Range(0, bigN).Select(i => abb.Slice(rKeys, (2 * i) + 1, 1)).ToArray());
        ShareVector bands = abb.Concat(bandColumns);          // W′ columns of N
        int segment = Math.Min(bigN, InnerProductSegment);
        int segments = (bigN + segment - 1) / segment, pad = (segments * segment) - bigN;
        ShareVector? zeros = pad > 0 ? abb.Public(new uint[pad]) : null;
        ShareVector[] paddedBands = Enumerable.Range(0, bandWidth)
            .Select(c => pad > 0 ? abb.Concat(abb.Slice(bands, c * bigN, bigN), zeros!) : abb.Slice(bands, c * bigN, bigN))
            .ToArray();
        var rows = new List<ShareVector>();
        var counts = new uint[who.Length];
        for (int start = 0; start < who.Length; start += batch)
        {
            int b = Math.Min(batch, who.Length - start);
            var highs = new ShareVector[b * bigN];
            var lows = new ShareVector[b * bigN];
            var recordHighs = new ShareVector[b];
            var recordLows = new ShareVector[b];
            for (int j = 0; j < b; j++)
            {
                ShareVector hi = abb.Slice(sKeys, 2 * (start + j), 1), lo = abb.Slice(sKeys, (2 * (start + j)) + 1, 1);
                Array.Fill(highs, hi, j * bigN, bigN);
                Array.Fill(lows, lo, j * bigN, bigN);
                recordHighs[j] = rHigh;
                recordLows[j] = rLow;
            }

            // d = s − r for both words of every pair: 2·b·N values, one zero test.
            ShareVector differences = abb.Concat(
                abb.Subtract(abb.Concat(highs), abb.Concat(recordHighs)),
                abb.Subtract(abb.Concat(lows), abb.Concat(recordLows)));
            BitShareVector zero = await abb.IsZeroAsync(differences, ct).ConfigureAwait(false);
            BitShareVector equal = await abb.AndAsync(abb.SliceBits(zero, 0, b * bigN), abb.SliceBits(zero, b * bigN, b * bigN), ct).ConfigureAwait(false);
            ShareVector e = await RecordPrimitives.BitsToArithmeticAsync(abb, equal, ct).ConfigureAwait(false);

            // Counts (local) and the matched band rows (one inner product per output).
            ReadOnlySpan<uint> ev = e.Values;
            for (int j = 0; j < b; j++)
            {
                counts[start + j] = Sum(ev.Slice(j * bigN, bigN));
            }

            // Inner products in segments of at most 256 terms (the rows padded with public zeros), summed locally: the
            // engine's per-call scratch grows with the row length, and a few more outputs cost nothing next to the tests.
            var xs = new ShareVector[b * bandWidth];
            var ys = new ShareVector[b * bandWidth];
            for (int j = 0; j < b; j++)
            {
                ShareVector row = pad > 0 ? abb.Concat(abb.Slice(e, j * bigN, bigN), zeros!) : abb.Slice(e, j * bigN, bigN);
                for (int c = 0; c < bandWidth; c++)
                {
                    xs[(j * bandWidth) + c] = row;
                    ys[(j * bandWidth) + c] = paddedBands[c];
                }
            }

            ShareVector partial = await abb.InnerProductAsync(abb.Concat(xs), abb.Concat(ys), segment, ct).ConfigureAwait(false);
            var sums = new uint[b * bandWidth];
            ReadOnlySpan<uint> pv = partial.Values;
            for (int r = 0; r < sums.Length; r++)
            {
                sums[r] = Sum(pv.Slice(r * segments, segments));
            }

            rows.Add(abb.FromShares(sums));
        }

        // u = [count = 1]; the rows are gated by u, "unknown" = 1 − u.
        var ones = new uint[who.Length];
        Array.Fill(ones, 1u);
        BitShareVector single = await abb.EqualAsync(abb.FromShares(counts), ones, ct).ConfigureAwait(false);
        ShareVector u = await RecordPrimitives.BitsToArithmeticAsync(abb, single, ct).ConfigureAwait(false);
        var gate = new ShareVector[who.Length * bandWidth];
        for (int p = 0; p < who.Length; p++)
        {
            Array.Fill(gate, abb.Slice(u, p, 1), p * bandWidth, bandWidth);
        }

        ShareVector matched = abb.Concat(rows.ToArray());
        ShareVector gated = await abb.MultiplyAsync(abb.Concat(gate), matched, ct).ConfigureAwait(false);
        ShareVector unknown = abb.AddPublic(abb.Negate(u), 1u);
        return (gated, unknown);
    }
}
