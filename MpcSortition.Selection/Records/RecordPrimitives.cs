using MpcSortition.Core;
using MpcSortition.Protocols;

namespace MpcSortition.Selection.Records;

/// <summary>
/// Two conversions the join uses, written with the black box's public members only, so they work on every engine and
/// give the replicated engine operands that carry their second component (its cheaper modes).
/// </summary>
internal static class RecordPrimitives
{
    /// <summary>
    /// The same value, re-shared: every party inputs its own additive share (three inputs) and the three sharings are
    /// added. On the replicated engine the result is a replicated sharing (4 bytes per element from each party, three
    /// rounds); on the Beaver engine inputs cost nothing. Nothing is opened; each input is hidden by the pairwise seeds.
    /// </summary>
    internal static async ValueTask<ShareVector> ReshareAsync(IArithmeticBlackBox abb, ShareVector x, CancellationToken ct)
    {
        int m = x.Length;
        uint[] mine = x.Values.ToArray();
        ShareVector sum = await abb.InputAsync(0, abb.PartyIndex == 0 ? mine : default, m, ct).ConfigureAwait(false);
        for (int owner = 1; owner < abb.PartyCount; owner++)
        {
            ShareVector next = await abb.InputAsync(owner, abb.PartyIndex == owner ? mine : default, m, ct).ConfigureAwait(false);
            sum = abb.Add(sum, next);
        }

        Array.Clear(mine);
        return sum;
    }

    /// <summary>
    /// Boolean to arithmetic (B2A) of XOR-shared bits: every party inputs its own share of each bit as a 0/1 value
    /// (three inputs, each hidden by the pairwise seeds), then b₀ ⊕ b₁ ⊕ b₂ = a + b₂ − 2·a·b₂ with a = b₀ + b₁ − 2·b₀·b₁
    /// (two multiplication rounds). Replicated engine: 12 bytes per bit sent by each party, five rounds, a replicated
    /// result (the toolkit's B2A: 16 bytes, two rounds, an additive result that costs 4 more bytes per element whenever
    /// a later product uses it). Beaver engine: 32 bytes per bit, two rounds, as the toolkit's.
    /// </summary>
    internal static async ValueTask<ShareVector> BitsToArithmeticAsync(IArithmeticBlackBox abb, BitShareVector bits, CancellationToken ct)
    {
        int m = bits.BitLength;
        var mine = new uint[m];
        ReadOnlySpan<ulong> words = bits.Words;
        for (int i = 0; i < m; i++)
        {
            mine[i] = (uint)(words[i >> 6] >> (i & 63)) & 1u;
        }

        var parts = new ShareVector[abb.PartyCount];
        for (int owner = 0; owner < abb.PartyCount; owner++)
        {
            parts[owner] = await abb.InputAsync(owner, abb.PartyIndex == owner ? mine : default, m, ct).ConfigureAwait(false);
        }

        Array.Clear(mine);
        ShareVector acc = parts[0];
        for (int owner = 1; owner < parts.Length; owner++)
        {
            ShareVector product = await abb.MultiplyAsync(acc, parts[owner], ct).ConfigureAwait(false);
            acc = abb.Subtract(abb.Add(acc, parts[owner]), abb.MultiplyPublic(product, 2u));
        }

        return acc;
    }
}
