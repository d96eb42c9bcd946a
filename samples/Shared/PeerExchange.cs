using System.Buffers.Binary;
using MpcSortition.Protocols;

namespace MpcSortition.Samples;

/// <summary>
/// Compiled into both HTTPS services of the samples (the sign-up provider and the ballot counter): the public,
/// length-prefixed messages the three services exchange over their MPC links before and after the computation
/// (histories, summaries, reports). A message is a 4-byte little-endian length, then the bytes. Nothing secret goes
/// through here; the MPC's own messages go through the black box.
/// </summary>
internal static class PeerExchange
{
    /// <summary>Sends <paramref name="mine"/> to both peers and receives theirs, refusing a length outside
    /// [<paramref name="minBytes"/>, <paramref name="maxBytes"/>] with the exception <paramref name="badLength"/> makes
    /// from (peer, announced length) before reading the body. The sends and receives run together, so that a peer hears
    /// this party's message (and can name what differs) even when this party will refuse the peer's; the first failure
    /// ends the wait.</summary>
    /// <param name="transport">This party's links (three parties).</param>
    /// <param name="mine">This party's message.</param>
    /// <param name="minBytes">The smallest length accepted from a peer.</param>
    /// <param name="maxBytes">The largest length accepted from a peer.</param>
    /// <param name="badLength">Makes the exception for a peer whose announced length is out of bounds.</param>
    /// <param name="ct">Cancels the exchange.</param>
    /// <returns>The three messages, indexed by party (this party's own is <paramref name="mine"/>).</returns>
    public static async Task<byte[][]> ExchangeAsync(ITransport transport, byte[] mine, int minBytes, int maxBytes, Func<int, int, Exception> badLength, CancellationToken ct)
    {
        int me = transport.PartyIndex;
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, mine.Length);
        var received = new byte[transport.PartyCount][];
        received[me] = mine;
        var tasks = new List<Task>();
        for (int q = 0; q < transport.PartyCount; q++)
        {
            if (q == me)
            {
                continue;
            }

            int peer = q;
            tasks.Add(Task.Run(async () =>
            {
                await transport.SendAsync(peer, length, ct);
                await transport.SendAsync(peer, mine, ct);
            }, ct));
            tasks.Add(Task.Run(async () =>
            {
                var theirLength = new byte[4];
                await transport.ReceiveAsync(peer, theirLength, ct);
                int size = BinaryPrimitives.ReadInt32LittleEndian(theirLength);
                if (size < minBytes || size > maxBytes)
                {
                    throw badLength(peer, size);
                }

                var body = new byte[size];
                await transport.ReceiveAsync(peer, body, ct);
                received[peer] = body;
            }, ct));
        }

        await WhenAllOrFirstFailureAsync(tasks);
        return received;
    }

    /// <summary>Waits for all tasks but throws the first failure as soon as it happens (the transport then faults the rest).</summary>
    public static async Task WhenAllOrFirstFailureAsync(IEnumerable<Task> tasks)
    {
        var pending = tasks.ToList();
        while (pending.Count > 0)
        {
            Task done = await Task.WhenAny(pending);
            await done;
            pending.Remove(done);
        }
    }
}
