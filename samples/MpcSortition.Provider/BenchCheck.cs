using MpcSortition.Protocols;
using System.Diagnostics;
using MpcSortition.Core;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Secure;

namespace MpcSortition.Provider;

/// <summary>
/// The <c>bench-check</c> verb: the intake's MPC steps at three parties in one process (in-memory network, the chosen
/// engine: replicated by default, or Beaver with dealer-free triples) on the demo layout (V = 30, F = 5, contact block 256 bytes): the well-formedness check of n rows, then the
/// opening of 150 panel members' contact blocks to the analyser. Prints time, rounds and bytes sent by party 0.
/// </summary>
internal static class BenchCheck
{
    public static async Task<int> RunAsync(int n, BlackBoxEngine engine)
    {
        int[] counts = [3, 6, 10, 5, 6];
        const int v = 30, blockLength = 256, panel = 150;
        var rows = new uint[n * v];
        for (int i = 0; i < n; i++)
        {
            int offset = 0;
            foreach (int c in counts)
            {
                rows[i * v + offset + i % c] = 1;
                offset += c;
            }
        }

        ShareVector[] shares = AdditiveSharing.Split(rows, 3);
        byte[][][] blocks = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, n).Select(_ => new byte[blockLength]).ToArray()).ToArray();
        var results = await InProcessParties.RunAsync(async abb =>
        {
            var clock = Stopwatch.StartNew();
            bool[] valid = await IntakeChecks.CheckRowsAsync(abb, MpcSortition.Protocols.BlackBoxOperations.FromShares(abb, shares[abb.PartyIndex].Values), counts);
            (double Seconds, long Rounds, long Bytes) check = (clock.Elapsed.TotalSeconds, abb.Trace.Rounds, abb.Trace.BytesSent);
            clock.Restart();
            var bits = IntakeChecks.ContactShares(abb, blocks[abb.PartyIndex], blockLength);
            await IntakeChecks.OpenPanelContactsAsync(abb, bits, n, abb.PartyIndex == 0 ? Enumerable.Range(0, Math.Min(panel, n)).ToArray() : null, blockLength);
            (double Seconds, long Rounds, long Bytes) contacts = (clock.Elapsed.TotalSeconds, abb.Trace.Rounds - check.Rounds, abb.Trace.BytesSent - check.Bytes);
            return (valid.All(x => x), check, contacts);
        }, new InProcessOptions { Engine = engine });
        var r = results[0];
        Console.WriteLine($"engine: {Samples.EngineSetting.Name(engine)}");
        Console.WriteLine($"well-formedness, n = {n}, V = {v}, F = {counts.Length}: {r.check.Seconds:F2} s, {r.check.Rounds} rounds, {r.check.Bytes / 1e6:F1} MB sent by party 0 (all valid: {r.Item1})");
        Console.WriteLine($"contacts of {Math.Min(panel, n)} members, L = {blockLength}: {r.contacts.Seconds:F2} s, {r.contacts.Rounds} rounds, {r.contacts.Bytes / 1e6:F1} MB sent by party 0");
        return r.Item1 ? 0 : 1;
    }
}
