using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Secure;

/// <summary>
/// Runs m copies of a data-independent program (the attempts of a secure strategy) as one batched computation: each
/// copy talks to its own facade black box, and the k-th interactive call of every copy (same kind, same public lengths,
/// same label and same recipient — else <see cref="InvalidOperationException"/>) becomes ONE call of the real engine on
/// the concatenated operands, whose result is sliced back. The rounds are those of one copy; the bytes m times one
/// copy's. Local operations (linear maps, random values) go to the real engine directly. When the real engine offers
/// the replicated engine's cheaper paths (<see cref="IReplicatedShortcuts"/>: the resharing of companion-less bits
/// before a B2A, the grouped inner products summed in place), the facades offer them too and gather those calls as
/// their own kinds, so a batch costs m times one attempt's bytes on either path.
/// </summary>
/// <remarks>
/// <para>Determinism across the parties: local randomness (<see cref="IArithmeticBlackBox.Random"/>,
/// <see cref="IArithmeticBlackBox.RandomBits"/>) is drawn from pairwise streams, so every party must draw in the same
/// order. The scheduler therefore resumes the copies one at a time, in copy order, and waits until the resumed copy
/// has posted its next interactive call (or finished) before it resumes the next one; a copy that uses its facade out of
/// turn is refused. Whether an operand carries its companion (replicated engine) is decided by the program, never by a
/// secret, and <see cref="ShareVector.Concat"/> keeps companions when every part has one, so the copies' handles keep
/// them too.</para>
/// <para>Openings keep their label: m per-attempt openings of the same declared kind become one opening of m times the
/// values under that label, at the same point of the program.</para>
/// </remarks>
internal sealed class Lockstep
{
    private readonly IArithmeticBlackBox _inner;
    private readonly Facade[] _facades;
    private readonly Dictionary<string, long> _callsByKind = new(StringComparer.Ordinal);
    private readonly Call?[] _pending;
    private readonly CancellationToken _ct;
    private TaskCompletionSource _posted = NewSignal();
    private int _current = -1;
    private long _calls;

    private Lockstep(IArithmeticBlackBox inner, int copies, CancellationToken cancellationToken)
    {
        _inner = inner;
        _ct = cancellationToken;
        _pending = new Call?[copies];
        _facades = new Facade[copies];

        // The facades offer the replicated engine's cheaper paths exactly when the real engine does: the toolkit then
        // takes, through the facade, the path it would take on the engine itself.
        bool shortcuts = inner is IReplicatedShortcuts;
        for (int i = 0; i < copies; i++)
        {
            _facades[i] = shortcuts ? new ReplicatedFacade(this, i) : new Facade(this, i);
        }
    }

    /// <summary>Interactive calls made on the real engine so far (one per round of one copy).</summary>
    internal long Calls => _calls;

    /// <summary>Runs <paramref name="program"/> for copies 0..m−1 in lockstep on <paramref name="inner"/>.</summary>
    /// <typeparam name="T">The program's result.</typeparam>
    /// <param name="inner">This party's real black box.</param>
    /// <param name="copies">m, at least 1.</param>
    /// <param name="program">The program of copy i on its facade; it must make the same sequence of interactive calls
    /// (kinds and lengths) in every copy and use its facade from one logical thread.</param>
    /// <param name="cancellationToken">Cancels the run (the session is unusable afterwards).</param>
    /// <param name="callsByKind">When given, receives the interactive calls made on the real engine, by kind (for
    /// example <c>Multiply</c>, <c>ReshareBits</c>, <c>InnerProductPieces</c>), after the run: for tests that a batch
    /// keeps the engine's cheaper paths.</param>
    /// <returns>The copies' results in copy order.</returns>
    internal static async Task<T[]> RunAsync<T>(IArithmeticBlackBox inner, int copies, Func<int, IArithmeticBlackBox, ValueTask<T>> program, CancellationToken cancellationToken, IDictionary<string, long>? callsByKind = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(program);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var lockstep = new Lockstep(inner, copies, cancellationToken);
        try
        {
            return await lockstep.RunCoreAsync(program).ConfigureAwait(false);
        }
        finally
        {
            if (callsByKind is not null)
            {
                foreach ((string kind, long count) in lockstep._callsByKind)
                {
                    callsByKind[kind] = count;
                }
            }
        }
    }

    private async Task<T[]> RunCoreAsync<T>(Func<int, IArithmeticBlackBox, ValueTask<T>> program)
    {
        int m = _facades.Length;
        var running = new Task<T>[m];
        try
        {
            for (int i = 0; i < m; i++)
            {
                _posted = NewSignal();
                _current = i;
                running[i] = Start(program, i);
                await Task.WhenAny(_posted.Task, running[i]).ConfigureAwait(false);
            }

            while (true)
            {
                _current = -1;
                ThrowIfAnyFaulted(running);
                int finished = running.Count(t => t.IsCompleted);
                if (finished == m)
                {
                    return running.Select(t => t.Result).ToArray();
                }

                if (finished > 0)
                {
                    int done = Array.FindIndex(running, t => t.IsCompleted);
                    int busy = Array.FindIndex(running, t => !t.IsCompleted);
                    throw new InvalidOperationException(
                        $"Parallel attempts must make the same black-box calls: attempt {done} of the batch finished after {_calls} interactive calls, while attempt {busy} makes call {_calls + 1} ({_pending[busy]!.Describe()}). The strategy's calls depend on more than public parameters.");
                }

                Call first = _pending[0]!;
                for (int i = 1; i < m; i++)
                {
                    if (!first.SameShape(_pending[i]!))
                    {
                        throw new InvalidOperationException(
                            $"Parallel attempts must make the same black-box calls: call {_calls + 1} is {first.Describe()} in attempt 0 of the batch but {_pending[i]!.Describe()} in attempt {i}. The strategy's calls depend on more than public parameters.");
                    }
                }

                object?[] results = await ExecuteAsync(_pending!).ConfigureAwait(false);
                if (first.Kind != Kind.InnerProductPieces || results[0] is not null)
                {
                    _calls++;
                    string kind = first.Kind.ToString();
                    _callsByKind[kind] = _callsByKind.GetValueOrDefault(kind) + 1;
                }
                for (int i = 0; i < m; i++)
                {
                    Call call = _pending[i]!;
                    _pending[i] = null;
                    _posted = NewSignal();
                    _current = i;
                    call.Done.SetResult(results[i]);
                    await Task.WhenAny(_posted.Task, running[i]).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            // Unwind every copy still waiting for a result, so that no task is left behind, then report the cause.
            _current = -1;
            for (int i = 0; i < m; i++)
            {
                _pending[i]?.Done.TrySetException(e is OperationCanceledException ? e : new InvalidOperationException("Another attempt of the batch failed.", e));
                _pending[i] = null;
            }

            foreach (Task<T> t in running.Where(t => t is not null))
            {
                try
                {
                    await t.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The first failure is the one reported.
                }
            }

            throw;
        }
    }

    private Task<T> Start<T>(Func<int, IArithmeticBlackBox, ValueTask<T>> program, int i)
    {
        try
        {
            return program(i, _facades[i]).AsTask();
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private static void ThrowIfAnyFaulted<T>(Task<T>[] running)
    {
        foreach (Task<T> t in running)
        {
            if (t.IsFaulted || t.IsCanceled)
            {
                t.GetAwaiter().GetResult(); // rethrows the copy's own exception
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One real call for the m pending calls (all of the same shape).</summary>
    private async ValueTask<object?[]> ExecuteAsync(Call[] calls)
    {
        int m = calls.Length;
        Call c = calls[0];
        var results = new object?[m];
        switch (c.Kind)
        {
            case Kind.Input:
            {
                uint[] values = [];
                if (_inner.PartyIndex == c.Party)
                {
                    values = new uint[checked(m * c.Length)];
                    for (int i = 0; i < m; i++)
                    {
                        calls[i].Values.Span.CopyTo(values.AsSpan(i * c.Length, c.Length));
                    }
                }

                ShareVector all = await _inner.InputAsync(c.Party, values, checked(m * c.Length), _ct).ConfigureAwait(false);
                SplitValues(all, c.Length, results);
                break;
            }

            case Kind.Multiply:
            {
                ShareVector z = await _inner.MultiplyAsync(ConcatX(calls), ConcatY(calls), _ct).ConfigureAwait(false);
                SplitValues(z, c.Length, results);
                break;
            }

            case Kind.InnerProduct:
            {
                ShareVector z = await _inner.InnerProductAsync(ConcatX(calls), ConcatY(calls), c.Row, _ct).ConfigureAwait(false);
                SplitValues(z, c.Length / c.Row, results);
                break;
            }

            case Kind.Open:
            {
                uint[] opened = await _inner.OpenAsync(ConcatX(calls), c.Label!, _ct).ConfigureAwait(false);
                for (int i = 0; i < m; i++)
                {
                    results[i] = opened.AsSpan(i * c.Length, c.Length).ToArray();
                }

                break;
            }

            case Kind.OpenTo:
            {
                uint[]? opened = await _inner.OpenToAsync(ConcatX(calls), c.Party, c.Label!, _ct).ConfigureAwait(false);
                for (int i = 0; i < m; i++)
                {
                    results[i] = opened?.AsSpan(i * c.Length, c.Length).ToArray();
                }

                break;
            }

            case Kind.InputBits:
            {
                ulong[] words = [];
                if (_inner.PartyIndex == c.Party)
                {
                    words = new ulong[PackedBits.WordCount(checked(m * c.Length))];
                    for (int i = 0; i < m; i++)
                    {
                        PackedBits.CopyBits(calls[i].Words.Span, 0, words, i * c.Length, c.Length);
                    }
                }

                BitShareVector all = await _inner.InputBitsAsync(c.Party, words, checked(m * c.Length), _ct).ConfigureAwait(false);
                SplitBits(all, c.Length, results);
                break;
            }

            case Kind.And:
            {
                BitShareVector z = await _inner.AndAsync(ConcatBx(calls), ConcatBy(calls), _ct).ConfigureAwait(false);
                SplitBits(z, c.Length, results);
                break;
            }

            case Kind.OpenBits:
            {
                ulong[] opened = await _inner.OpenBitsAsync(ConcatBx(calls), c.Label!, _ct).ConfigureAwait(false);
                for (int i = 0; i < m; i++)
                {
                    results[i] = SliceWords(opened, i * c.Length, c.Length);
                }

                break;
            }

            case Kind.OpenBitsTo:
            {
                ulong[]? opened = await _inner.OpenBitsToAsync(ConcatBx(calls), c.Party, c.Label!, _ct).ConfigureAwait(false);
                for (int i = 0; i < m; i++)
                {
                    results[i] = opened is null ? null : SliceWords(opened, i * c.Length, c.Length);
                }

                break;
            }

            case Kind.ReshareBits:
            {
                // One resharing of the m copies' companion-less bits (ConcatBits keeps them companion-less): each bit
                // gets its own fresh zero sharing, exactly as in m separate calls.
                BitShareVector z = await Shortcuts.ToReplicatedAsync(ConcatBx(calls), _ct).ConfigureAwait(false);
                SplitBits(z, c.Length, results);
                break;
            }

            case Kind.InnerProductPieces:
            {
                // Group g of the batched call holds copy 0's rows of group g, then copy 1's, …: the same row length,
                // so each copy's outputs are one consecutive slice of the group's result.
                int groupCount = c.Groups!.Count;
                var batched = new (ShareVector X, ShareVector Y, int Length)[groupCount];
                for (int g = 0; g < groupCount; g++)
                {
                    int gg = g;
                    batched[g] = (_inner.Concat(calls.Select(k => k.Groups![gg].X).ToArray()), _inner.Concat(calls.Select(k => k.Groups![gg].Y).ToArray()), c.Groups[g].Length);
                }

                ShareVector[]? all = await Shortcuts.InnerProductPiecesAsync(batched, c.Row, _ct).ConfigureAwait(false);
                if (all is null)
                {
                    return results; // nothing sent: every copy gets null and takes the padded path
                }

                for (int i = 0; i < m; i++)
                {
                    var mine = new ShareVector[groupCount];
                    for (int g = 0; g < groupCount; g++)
                    {
                        int each = all[g].Length / m;
                        mine[g] = _inner.Slice(all[g], i * each, each);
                    }

                    results[i] = mine;
                }

                break;
            }

            default:
                throw new InvalidOperationException($"Unknown call kind {c.Kind}.");
        }

        return results;
    }

    /// <summary>The real engine's cheaper paths; only called for calls that a <see cref="ReplicatedFacade"/> posted,
    /// which exist only over such an engine.</summary>
    private IReplicatedShortcuts Shortcuts => (IReplicatedShortcuts)_inner;

    private ShareVector ConcatX(Call[] calls) => _inner.Concat(calls.Select(c => c.X!).ToArray());

    private ShareVector ConcatY(Call[] calls) => _inner.Concat(calls.Select(c => c.Y!).ToArray());

    private BitShareVector ConcatBx(Call[] calls) => _inner.ConcatBits(calls.Select(c => c.Bx!).ToArray());

    private BitShareVector ConcatBy(Call[] calls) => _inner.ConcatBits(calls.Select(c => c.By!).ToArray());

    private void SplitValues(ShareVector all, int each, object?[] results)
    {
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = _inner.Slice(all, i * each, each);
        }
    }

    private void SplitBits(BitShareVector all, int each, object?[] results)
    {
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = _inner.SliceBits(all, i * each, each);
        }
    }

    private static ulong[] SliceWords(ulong[] words, int start, int bits)
    {
        var r = new ulong[PackedBits.WordCount(bits)];
        PackedBits.CopyBits(words, start, r, 0, bits);
        return r;
    }

    /// <summary>Records copy <paramref name="member"/>'s interactive call and waits for its share of the batched result.</summary>
    private Task<object?> Post(int member, Call call)
    {
        if (_current != member || _pending[member] is not null)
        {
            throw new InvalidOperationException($"Attempt {member} of a parallel batch used its black box out of turn (interactive calls of one attempt run one at a time, in program order).");
        }

        _pending[member] = call;
        _posted.TrySetResult();
        return call.Done.Task;
    }

    private void CheckTurn(int member)
    {
        if (_current != member)
        {
            throw new InvalidOperationException($"Attempt {member} of a parallel batch drew randomness out of turn; the parties would disagree on the order of the draws.");
        }
    }

    private enum Kind
    {
        Input,
        Multiply,
        InnerProduct,
        Open,
        OpenTo,
        InputBits,
        And,
        OpenBits,
        OpenBitsTo,
        ReshareBits,
        InnerProductPieces,
    }

    /// <summary>One interactive call of one copy: its kind, public shape and operands.</summary>
    private sealed class Call
    {
        internal required Kind Kind { get; init; }

        internal int Length { get; init; }

        internal int Row { get; init; } = 1;

        internal int Party { get; init; } = -1;

        internal string? Label { get; init; }

        internal ShareVector? X { get; init; }

        internal ShareVector? Y { get; init; }

        internal BitShareVector? Bx { get; init; }

        internal BitShareVector? By { get; init; }

        internal ReadOnlyMemory<uint> Values { get; init; }

        internal ReadOnlyMemory<ulong> Words { get; init; }

        /// <summary>For <see cref="Kind.InnerProductPieces"/>: the groups (their lengths are the public shape).</summary>
        internal IReadOnlyList<(ShareVector X, ShareVector Y, int Length)>? Groups { get; init; }

        internal TaskCompletionSource<object?> Done { get; } = new();

        internal bool SameShape(Call other) =>
            Kind == other.Kind && Length == other.Length && Row == other.Row && Party == other.Party && string.Equals(Label, other.Label, StringComparison.Ordinal)
            && SameGroups(other);

        internal string Describe()
        {
            string unit = Kind is Kind.InputBits or Kind.And or Kind.OpenBits or Kind.OpenBitsTo or Kind.ReshareBits ? "bits" : "values";
            string row = Kind switch
            {
                Kind.InnerProduct => $", rows of {Row}",
                Kind.InnerProductPieces => $" in groups ({string.Join(", ", Groups!.Select(g => $"{g.X.Length / g.Length} rows of {g.Length}"))}), pieces of {Row}",
                _ => string.Empty,
            };
            string party = Party >= 0 ? $", party {Party}" : string.Empty;
            string label = Label is null ? string.Empty : $", label '{Label}'";
            return $"{Kind} of {Length} {unit}{row}{party}{label}";
        }

        private bool SameGroups(Call other)
        {
            if (Groups is null || other.Groups is null)
            {
                return Groups is null && other.Groups is null;
            }

            return Groups.Count == other.Groups.Count
                && Groups.Zip(other.Groups).All(p => p.First.X.Length == p.Second.X.Length && p.First.Length == p.Second.Length);
        }
    }

    /// <summary>The black box one copy sees: interactive calls are batched with the other copies'; the rest forwards.</summary>
    private class Facade(Lockstep owner, int member) : IArithmeticBlackBox
    {
        protected Lockstep Owner => owner;

        protected int Member => member;

        public int PartyIndex => owner._inner.PartyIndex;

        public int PartyCount => owner._inner.PartyCount;

        public AuditTrail Audit => owner._inner.Audit;

        public TransportTrace Trace => owner._inner.Trace;

        public SessionCost Cost => owner._inner.Cost;

        public ShareVector Random(int length)
        {
            owner.CheckTurn(member);
            return owner._inner.Random(length);
        }

        public BitShareVector RandomBits(int bitLength)
        {
            if (bitLength > 0)
            {
                owner.CheckTurn(member);
            }

            return owner._inner.RandomBits(bitLength);
        }

        public async ValueTask<ShareVector> InputAsync(int owner1, ReadOnlyMemory<uint> values, int length, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            if (owner1 == PartyIndex && values.Length != length)
            {
                throw new ArgumentException($"The owner gives {length} values, not {values.Length}.", nameof(values));
            }

            return (ShareVector)(await owner.Post(member, new Call { Kind = Kind.Input, Party = owner1, Length = length, Values = values }).ConfigureAwait(false))!;
        }

        public async ValueTask<ShareVector> MultiplyAsync(ShareVector x, ShareVector y, CancellationToken cancellationToken = default)
        {
            Pair(x, y);
            return (ShareVector)(await owner.Post(member, new Call { Kind = Kind.Multiply, Length = x.Length, X = x, Y = y }).ConfigureAwait(false))!;
        }

        public async ValueTask<ShareVector> InnerProductAsync(ShareVector x, ShareVector y, int length, CancellationToken cancellationToken = default)
        {
            Pair(x, y);
            ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
            if (x.Length % length != 0)
            {
                throw new ArgumentException($"The operands' length {x.Length} is not a multiple of the row length {length}.", nameof(length));
            }

            return (ShareVector)(await owner.Post(member, new Call { Kind = Kind.InnerProduct, Length = x.Length, Row = length, X = x, Y = y }).ConfigureAwait(false))!;
        }

        public async ValueTask<uint[]> OpenAsync(ShareVector x, string label, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentException.ThrowIfNullOrWhiteSpace(label);
            return (uint[])(await owner.Post(member, new Call { Kind = Kind.Open, Length = x.Length, X = x, Label = label }).ConfigureAwait(false))!;
        }

        public async ValueTask<uint[]?> OpenToAsync(ShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentException.ThrowIfNullOrWhiteSpace(label);
            return (uint[]?)await owner.Post(member, new Call { Kind = Kind.OpenTo, Length = x.Length, X = x, Party = recipient, Label = label }).ConfigureAwait(false);
        }

        public async ValueTask<BitShareVector> InputBitsAsync(int owner1, ReadOnlyMemory<ulong> words, int bitLength, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bitLength);
            if (owner1 == PartyIndex && words.Length != PackedBits.WordCount(bitLength))
            {
                throw new ArgumentException($"The owner gives {words.Length} words for {bitLength} bits.", nameof(words));
            }

            return (BitShareVector)(await owner.Post(member, new Call { Kind = Kind.InputBits, Party = owner1, Length = bitLength, Words = words }).ConfigureAwait(false))!;
        }

        public async ValueTask<BitShareVector> AndAsync(BitShareVector x, BitShareVector y, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            if (x.BitLength != y.BitLength)
            {
                throw new ArgumentException($"Length mismatch: x has {x.BitLength} bits, y has {y.BitLength}.", nameof(y));
            }

            return (BitShareVector)(await owner.Post(member, new Call { Kind = Kind.And, Length = x.BitLength, Bx = x, By = y }).ConfigureAwait(false))!;
        }

        public async ValueTask<ulong[]> OpenBitsAsync(BitShareVector x, string label, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentException.ThrowIfNullOrWhiteSpace(label);
            return (ulong[])(await owner.Post(member, new Call { Kind = Kind.OpenBits, Length = x.BitLength, Bx = x, Label = label }).ConfigureAwait(false))!;
        }

        public async ValueTask<ulong[]?> OpenBitsToAsync(BitShareVector x, int recipient, string label, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentException.ThrowIfNullOrWhiteSpace(label);
            return (ulong[]?)await owner.Post(member, new Call { Kind = Kind.OpenBitsTo, Length = x.BitLength, Bx = x, Party = recipient, Label = label }).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the real engine belongs to the caller

        private static void Pair(ShareVector x, ShareVector y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            if (x.Length != y.Length)
            {
                throw new ArgumentException($"Length mismatch: x has {x.Length} values, y has {y.Length}.", nameof(y));
            }
        }
    }

    /// <summary>A facade over an engine with the replicated engine's cheaper paths: it offers them too, and the m copies'
    /// calls to them become one call of the engine's own path (as for the other interactive calls).</summary>
    private sealed class ReplicatedFacade(Lockstep owner, int member) : Facade(owner, member), IReplicatedShortcuts
    {
        public async ValueTask<BitShareVector> ToReplicatedAsync(BitShareVector x, CancellationToken cancellationToken)
        {
            // Bits that already carry their companion come back unchanged from the engine, without a round (all copies
            // alike: the program decides companions); the toolkit only asks for companion-less bits.
            ArgumentNullException.ThrowIfNull(x);
            return (BitShareVector)(await Owner.Post(Member, new Call { Kind = Kind.ReshareBits, Length = x.BitLength, Bx = x }).ConfigureAwait(false))!;
        }

        public async ValueTask<ShareVector[]?> InnerProductPiecesAsync(IReadOnlyList<(ShareVector X, ShareVector Y, int Length)> groups, int pieceLength, CancellationToken cancellationToken)
        {
            // When an operand lacks its companion the engine answers null before anything is sent, for every copy alike
            // (the program decides companions, and the batched operands keep them only when every part has one); each
            // copy then takes the padded path, whose inner product is batched as usual.
            ArgumentNullException.ThrowIfNull(groups);
            var copy = groups.ToArray(); // the caller may reuse its list while the batch waits
            long terms = copy.Sum(g => (long)g.X.Length);
            return (ShareVector[]?)(await Owner.Post(Member, new Call { Kind = Kind.InnerProductPieces, Length = (int)Math.Min(terms, int.MaxValue), Row = pieceLength, Groups = copy }).ConfigureAwait(false));
        }
    }
}
