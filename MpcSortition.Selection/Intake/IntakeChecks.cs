using System.Runtime.InteropServices;
using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Intake;

/// <summary>
/// The intake's two computations under MPC, run by the three providers together (SPMD: every party calls with the same
/// public arguments): the well-formedness check of the submitted rows, and the opening of the panel members' contact
/// blocks to the analyser alone.
/// </summary>
/// <remarks>
/// <para><b>Well-formedness</b> (<see cref="CheckRowsAsync"/>). For every entry x: x·(x − 1) (one Beaver multiplication);
/// x·(x − 1) = 0 mod 2^32 iff x ∈ {0, 1}, because one of x and x − 1 is odd (a unit) so the other must be 0. For every
/// feature of a row: Σ x − 1 (local), which is 0 for 0/1 entries iff exactly one entry is 1 (a feature has fewer than 2^32
/// values). All V + F values of a row must be zero: equality with zero (<see cref="ObliviousToolkit.IsZeroAsync"/>) then an
/// AND tree over the V + F bits (⌈log2(V + F)⌉ rounds), giving one validity bit per row. <b>What is opened</b>: the
/// Beaver- and AND-masked values inside these steps (uniform, see docs/security.md) and the n validity bits, to every
/// provider (label <see cref="ValidityLabel"/>): each provider learns which rows are malformed, nothing else about any
/// row — in particular not which entry or which feature is wrong.</para>
/// <para><b>Contacts</b> (<see cref="OpenPanelContactsAsync(IArithmeticBlackBox, BitShareVector, BitShareVector, int, int, CancellationToken)"/>).
/// Each row's panel bit b (XOR-shared) is repeated over its block's 8·L bits (local), ANDed with the XOR-shared block (one
/// round), and the n·8·L result bits are opened to the analyser alone (label <see cref="ContactsLabel"/>): the analyser
/// gets the blocks of the panel members and all-zero blocks for everyone else; the other providers receive nothing.</para>
/// </remarks>
public static class IntakeChecks
{
    /// <summary>Audit label of the opened validity bits.</summary>
    public const string ValidityLabel = "intake: one validity bit per row (entries 0/1, one 1 per feature), to every provider";

    /// <summary>Audit label of the panel members' contact blocks.</summary>
    public const string ContactsLabel = "intake: contact blocks AND panel bit, to the analyser only";

    /// <summary>Checks every row under MPC and opens one validity bit per row to every provider.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="rows">This party's shares of the n·V row-major matrix (row i, entry j at i·V + j).</param>
    /// <param name="valueCounts">Values per feature (public), summing to V.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>Per row, whether it is well formed (the same at every party).</returns>
    public static async ValueTask<bool[]> CheckRowsAsync(IArithmeticBlackBox abb, ShareVector rows, IReadOnlyList<int> valueCounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(valueCounts);
        int v = 0;
        foreach (int c in valueCounts)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(c, 1, nameof(valueCounts));
            v += c;
        }

        if (v == 0 || rows.Length % v != 0)
        {
            throw new ArgumentException($"The row matrix has {rows.Length} values, not a multiple of V = {v}.", nameof(rows));
        }

        int n = rows.Length / v;
        if (n == 0)
        {
            return [];
        }

        int f = valueCounts.Count;
        int checks = v + f;
        ShareVector squares = await abb.MultiplyAsync(rows, abb.AddPublic(rows, uint.MaxValue), cancellationToken).ConfigureAwait(false);

        // Check-major layout (check c of row i at c·n + i), local: a permutation of this party's own shares,
        // plus the per-feature sums minus 1 (the constant is applied by the constant holder via AddPublic).
        var z = new uint[checks * n];
        ReadOnlySpan<uint> sq = squares.Values;
        ReadOnlySpan<uint> x = rows.Values;
        for (int i = 0; i < n; i++)
        {
            int offset = 0;
            for (int g = 0; g < f; g++)
            {
                uint sum = 0;
                for (int j = 0; j < valueCounts[g]; j++)
                {
                    int e = offset + j;
                    z[e * n + i] = sq[i * v + e];
                    sum += x[i * v + e];
                }

                z[(v + g) * n + i] = sum;
                offset += valueCounts[g];
            }
        }

        var minusOne = new uint[checks * n];
        minusOne.AsSpan(v * n).Fill(uint.MaxValue);
        ShareVector all = abb.AddPublic(abb.FromShares(z), minusOne);
        BitShareVector zero = await abb.IsZeroAsync(all, cancellationToken).ConfigureAwait(false);
        int count = checks;
        while (count > 1)
        {
            int half = count / 2;
            BitShareVector and = await abb.AndAsync(abb.SliceBits(zero, 0, half * n), abb.SliceBits(zero, half * n, half * n), cancellationToken).ConfigureAwait(false);
            zero = count % 2 == 0 ? and : abb.ConcatBits(and, abb.SliceBits(zero, 2 * half * n, n));
            count = half + count % 2;
        }

        ulong[] opened = await abb.OpenBitsAsync(zero, ValidityLabel, cancellationToken).ConfigureAwait(false);
        var valid = new bool[n];
        for (int i = 0; i < n; i++)
        {
            valid[i] = (opened[i / 64] >> (i % 64) & 1) != 0;
        }

        return valid;
    }

    /// <summary>
    /// Opens the contact blocks of the panel members to the analyser only, given the panel as XOR-shared bits (one per row).
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="contacts">This party's XOR shares of the n contact blocks, block i at bits 8·L·i.. (bytes in order, bit b of a byte at position b).</param>
    /// <param name="panel">This party's XOR shares of the panel indicator (n bits).</param>
    /// <param name="blockLength">L, the contact block length in bytes.</param>
    /// <param name="analyser">The party that receives the blocks.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>At the analyser: n blocks, a member's block in clear and zeros for everyone else. Elsewhere: null.</returns>
    public static async ValueTask<byte[][]?> OpenPanelContactsAsync(IArithmeticBlackBox abb, BitShareVector contacts, BitShareVector panel, int blockLength, int analyser = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(contacts);
        ArgumentNullException.ThrowIfNull(panel);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 1);
        int n = panel.BitLength;
        int bits = blockLength * 8;
        if ((long)n * bits != contacts.BitLength)
        {
            throw new ArgumentException($"The contacts hold {contacts.BitLength} bits, not n·8·L = {(long)n * bits}.", nameof(contacts));
        }

        if (n == 0)
        {
            return abb.PartyIndex == analyser ? [] : null;
        }

        // Repeat each row's panel-bit share over its block (XOR sharing is linear, so this is local).
        var mask = new ulong[PackedBits.WordCount(n * bits)];
        ReadOnlySpan<ulong> p = panel.Words;
        Span<byte> maskBytes = MemoryMarshal.AsBytes(mask.AsSpan());
        for (int i = 0; i < n; i++)
        {
            if ((p[i / 64] >> (i % 64) & 1) != 0)
            {
                maskBytes.Slice(i * blockLength, blockLength).Fill(0xFF);
            }
        }

        BitShareVector masked = await abb.AndAsync(contacts, abb.FromBitShares(mask, n * bits), cancellationToken).ConfigureAwait(false);
        ulong[]? opened = await abb.OpenBitsToAsync(masked, analyser, ContactsLabel, cancellationToken).ConfigureAwait(false);
        if (opened is null)
        {
            return null;
        }

        ReadOnlySpan<byte> all = MemoryMarshal.AsBytes(opened.AsSpan());
        var blocks = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            blocks[i] = all.Slice(i * blockLength, blockLength).ToArray();
        }

        return blocks;
    }

    /// <summary>
    /// Opens the contact blocks of the panel members to the analyser only, given the panel as the selector left it:
    /// additively shared 0/1 values (<see cref="Secure.SecureSelectionResult.SharedPanel"/>,
    /// <see cref="Providers.ProviderRunResult.SharedPanel"/>). The low bit of an additive sharing is the XOR of the shares'
    /// low bits, so the conversion to XOR-shared bits is exact for 0/1 values; then as
    /// <see cref="OpenPanelContactsAsync(IArithmeticBlackBox, BitShareVector, BitShareVector, int, int, CancellationToken)"/>.
    /// Nobody inputs the panel: the rows opened are exactly the rows the selection chose.
    /// </summary>
    /// <param name="abb">This party's black box (the session of the selection).</param>
    /// <param name="contacts">This party's XOR shares of the n contact blocks.</param>
    /// <param name="panel">This party's shares of the panel indicator (n values, each 0 or 1).</param>
    /// <param name="blockLength">L in bytes.</param>
    /// <param name="analyser">The party that receives the blocks.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>At the analyser: n blocks (zeros outside the panel). Elsewhere: null.</returns>
    public static async ValueTask<byte[][]?> OpenPanelContactsAsync(IArithmeticBlackBox abb, BitShareVector contacts, ShareVector panel, int blockLength, int analyser = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(panel);
        BitShareVector bits = await abb.ToBitsAsync(panel, 1, cancellationToken).ConfigureAwait(false);
        return await OpenPanelContactsAsync(abb, contacts, bits, blockLength, analyser, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the panel members' contact blocks to the analyser when the analyser holds the panel in clear (what
    /// <see cref="Secure.SecureSelector"/> gives it today): the analyser XOR-shares the panel indicator as its own input
    /// (the other providers learn nothing of it), then as <see cref="OpenPanelContactsAsync(IArithmeticBlackBox, BitShareVector, BitShareVector, int, int, CancellationToken)"/>.
    /// In the semi-honest model the analyser inputs the panel it received; a deviating analyser could input other rows —
    /// the version taking the shared panel bits from the selector does not depend on that.
    /// </summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="contacts">This party's XOR shares of the n contact blocks.</param>
    /// <param name="rowCount">n (public).</param>
    /// <param name="panelAtAnalyser">At the analyser: the panel's row indexes; ignored elsewhere (pass null).</param>
    /// <param name="blockLength">L in bytes.</param>
    /// <param name="analyser">The analyser's party index.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>At the analyser: n blocks (zeros outside the panel). Elsewhere: null.</returns>
    public static async ValueTask<byte[][]?> OpenPanelContactsAsync(IArithmeticBlackBox abb, BitShareVector contacts, int rowCount, IReadOnlyCollection<int>? panelAtAnalyser, int blockLength, int analyser = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        var words = new ulong[PackedBits.WordCount(rowCount)];
        if (abb.PartyIndex == analyser)
        {
            ArgumentNullException.ThrowIfNull(panelAtAnalyser);
            foreach (int i in panelAtAnalyser)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(panelAtAnalyser));
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, rowCount, nameof(panelAtAnalyser));
                words[i / 64] |= 1UL << (i % 64);
            }
        }

        BitShareVector panel = await abb.InputBitsAsync(analyser, words, rowCount, cancellationToken).ConfigureAwait(false);
        return await OpenPanelContactsAsync(abb, contacts, panel, blockLength, analyser, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Packs this party's contact shares (one per row, in pool order) as one bit vector for the black box.</summary>
    /// <param name="abb">This party's black box.</param>
    /// <param name="shares">This party's contact block shares, each L bytes.</param>
    /// <param name="blockLength">L.</param>
    /// <returns>The n·8·L shared bits.</returns>
    public static BitShareVector ContactShares(IArithmeticBlackBox abb, IReadOnlyList<byte[]> shares, int blockLength)
    {
        ArgumentNullException.ThrowIfNull(abb);
        ArgumentNullException.ThrowIfNull(shares);
        int n = shares.Count;
        var words = new ulong[PackedBits.WordCount(n * blockLength * 8)];
        Span<byte> bytes = MemoryMarshal.AsBytes(words.AsSpan());
        for (int i = 0; i < n; i++)
        {
            if (shares[i].Length != blockLength)
            {
                throw new ArgumentException($"Contact share {i} has {shares[i].Length} bytes, not {blockLength}.", nameof(shares));
            }

            shares[i].CopyTo(bytes.Slice(i * blockLength));
        }

        return abb.FromBitShares(words, n * blockLength * 8);
    }
}
