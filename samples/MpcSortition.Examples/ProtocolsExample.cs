namespace MpcSortition.Examples;

using MpcSortition.Core;
using MpcSortition.Protocols;

/// <summary>The MpcSortition.Protocols README's example: three parties multiply and compare in one process.</summary>
public static class ProtocolsExample
{
    /// <summary>Runs the example.</summary>
    /// <returns>The opened products and less-than bits (party 0's view), and the multiplications it counted.</returns>
    public static async Task<(uint[] Products, ulong LessThanBits, long Multiplications)> RunAsync()
    {
        // <example>
        // Three providers in one process over the in-memory network, each running the same program (SPMD) on
        // its own black box. Over the network, each would call TlsTransport.ConnectAsync and SemiHonestBlackBox.CreateAsync.
        var results = await InProcessParties.RunAsync(async abb =>
        {
            // Party 0 and party 1 each secret-share a private vector; nobody else learns it.
            ShareVector x = await abb.InputAsync(owner: 0, new uint[] { 3, 10, 7 }, length: 3);
            ShareVector y = await abb.InputAsync(owner: 1, new uint[] { 5, 4, 7 }, length: 3);

            ShareVector product = await abb.MultiplyAsync(x, y);   // one round for the whole batch
            BitShareVector less = await abb.LessThanAsync(x, y);    // x < y, element-wise, on shares

            // Openings are audited under a label; only what a protocol declares is ever opened.
            uint[] products = await abb.OpenAsync(product, "example: x * y");
            ulong[] bits = await abb.OpenBitsAsync(less, "example: x < y");
            return (products, bits[0], abb.Cost.Multiplications);
        });

        (uint[] products, ulong lessThan, long multiplications) = results[0];
        // products = [15, 40, 49]; lessThan = 0b001 (only 3 < 5); multiplications counted by party 0's engine
        // </example>
        return (products, lessThan, multiplications);
    }
}
