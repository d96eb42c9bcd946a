using System.Diagnostics;
using MpcSortition.Core;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// The WAN simulation: a message arrives no earlier than the latency (and its transmission time under a bandwidth cap)
/// after it was sent. Lower bounds are tight (the decorator must hold every message back); the upper bounds are
/// generous because the machine running the tests may be loaded.
/// </summary>
public sealed class LatencyTransportTests
{
    [Fact]
    public async Task Every_message_is_delayed_by_the_one_way_latency_and_keeps_its_order()
    {
        ITransport[] inner = InMemoryNetwork.Create(2, Parties.TestTimeout);
        var latency = TimeSpan.FromMilliseconds(60);
        await using var a = new LatencyTransport(inner[0], new NetworkConditions(latency));
        await using var b = new LatencyTransport(inner[1], new NetworkConditions(latency));
        var buffer = new byte[3];
        for (byte i = 0; i < 3; i++)
        {
            long sent = Stopwatch.GetTimestamp();
            await a.SendAsync(1, new byte[] { i, i, i });
            Assert.True(Stopwatch.GetElapsedTime(sent) < latency, "sending must not wait for the latency");
            await b.ReceiveAsync(0, buffer);
            TimeSpan took = Stopwatch.GetElapsedTime(sent);
            Assert.Equal(new byte[] { i, i, i }, buffer);
            Assert.True(took >= latency - TimeSpan.FromMilliseconds(2), $"message {i} arrived after {took.TotalMilliseconds} ms, before the latency of 60 ms");
            Assert.True(took < TimeSpan.FromSeconds(5), $"message {i} took {took.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task A_round_trip_costs_two_latencies()
    {
        ITransport[] inner = InMemoryNetwork.Create(2, Parties.TestTimeout);
        var conditions = new NetworkConditions(TimeSpan.FromMilliseconds(40));
        await using var a = new LatencyTransport(inner[0], conditions);
        await using var b = new LatencyTransport(inner[1], conditions);
        long start = Stopwatch.GetTimestamp();
        Task echo = Task.Run(async () =>
        {
            var got = new byte[1];
            await b.ReceiveAsync(0, got);
            await b.SendAsync(0, got);
        });
        await a.SendAsync(1, new byte[] { 7 });
        var back = new byte[1];
        await a.ReceiveAsync(1, back);
        await echo;
        TimeSpan took = Stopwatch.GetElapsedTime(start);
        Assert.Equal(7, back[0]);
        Assert.True(took >= TimeSpan.FromMilliseconds(78), $"the round trip took {took.TotalMilliseconds} ms, less than 2 × 40 ms");
        Assert.True(took < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_bandwidth_cap_adds_the_transmission_time_of_queued_messages()
    {
        ITransport[] inner = InMemoryNetwork.Create(2, Parties.TestTimeout);

        // 8 Mbit/s: 100 kB take 100 ms on the link; two of them queue behind each other (200 ms), plus 10 ms latency.
        var conditions = new NetworkConditions(TimeSpan.FromMilliseconds(10), 8_000_000);
        await using var a = new LatencyTransport(inner[0], conditions);
        await using var b = new LatencyTransport(inner[1], conditions);
        var payload = new byte[100_000];
        long start = Stopwatch.GetTimestamp();
        await a.SendAsync(1, payload);
        await a.SendAsync(1, payload);
        var buffer = new byte[100_000];
        await b.ReceiveAsync(0, buffer);
        TimeSpan first = Stopwatch.GetElapsedTime(start);
        await b.ReceiveAsync(0, buffer);
        TimeSpan second = Stopwatch.GetElapsedTime(start);
        Assert.True(first >= TimeSpan.FromMilliseconds(108), $"the first message took {first.TotalMilliseconds} ms, less than 100 + 10 ms");
        Assert.True(second >= TimeSpan.FromMilliseconds(208), $"the second message took {second.TotalMilliseconds} ms, less than 200 + 10 ms");
        Assert.True(second < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_multiplication_round_over_the_decorator_is_correct_and_takes_at_least_the_latency()
    {
        ITransport[] transports = InMemoryNetwork.Create(3, Parties.TestTimeout)
            .Select(t => (ITransport)new LatencyTransport(t, new NetworkConditions(TimeSpan.FromMilliseconds(30))))
            .ToArray();
        uint[] x = [3, 5, 7], y = [11, 13, 17];
        using var prg = new AesCtrPrg(new byte[16]);
        ShareVector[] xs = Parties.Deal(x, 3, prg), ys = Parties.Deal(y, 3, prg);
        (uint[] Product, TimeSpan Took)[] results = await Parties.RunAsync(transports, async abb =>
        {
            long start = Stopwatch.GetTimestamp();
            ShareVector z = await abb.MultiplyAsync(abb.FromShares(xs[abb.PartyIndex].Values), abb.FromShares(ys[abb.PartyIndex].Values));
            uint[] opened = await abb.OpenAsync(z, "test: product");
            return (opened, Stopwatch.GetElapsedTime(start));
        });
        foreach ((uint[] product, TimeSpan took) in results)
        {
            Assert.Equal(Parties.Product(x, y), product);

            // Two rounds (multiply, open), each one latency at least.
            Assert.True(took >= TimeSpan.FromMilliseconds(58), $"two rounds took {took.TotalMilliseconds} ms, less than 2 × 30 ms");
        }
    }

    [Theory]
    [InlineData("10ms", 10.0)]
    [InlineData("0.5s", 500.0)]
    [InlineData("250us", 0.25)]
    [InlineData("7", 7.0)]
    public void Latencies_parse_with_their_unit(string text, double ms) =>
        Assert.Equal(ms, NetworkConditions.ParseLatency(text).TotalMilliseconds, 6);

    [Theory]
    [InlineData("1Gbit", 1_000_000_000L)]
    [InlineData("100Mbit", 100_000_000L)]
    [InlineData("2.5 kbit", 2_500L)]
    public void Bandwidths_parse_with_their_unit(string text, long bps) =>
        Assert.Equal(bps, NetworkConditions.ParseBandwidth(text));

    [Theory]
    [InlineData("fast")]
    [InlineData("10 lightyears")]
    [InlineData("-5ms")]
    public void A_bad_latency_names_what_is_wrong(string text)
    {
        FormatException e = Assert.Throws<FormatException>(() => NetworkConditions.ParseLatency(text));
        Assert.Contains(text.Trim(), e.Message);
    }

    [Fact]
    public void A_bad_bandwidth_names_the_unit()
    {
        FormatException e = Assert.Throws<FormatException>(() => NetworkConditions.ParseBandwidth("1GB"));
        Assert.Contains("Unknown bandwidth unit 'GB'", e.Message);
    }
}
