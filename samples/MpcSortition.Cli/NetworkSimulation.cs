using System.CommandLine;
using System.Globalization;
using MpcSortition.Protocols;

namespace MpcSortition.Cli;

/// <summary>
/// The <c>--latency</c> and <c>--bandwidth</c> options of <c>node</c>, <c>quickstart</c> and <c>bench</c>: a simulated
/// wide-area network (<see cref="LatencyTransport"/>) on top of the TLS links, for measurements.
/// </summary>
internal sealed class NetworkSimulation
{
    private readonly Option<string?> _latency = new("--latency")
    {
        Description = "SIMULATION: hold every message back for this one-way latency before sending it (e.g. 10ms; a round trip costs twice). Default: none.",
    };

    private readonly Option<string?> _bandwidth = new("--bandwidth")
    {
        Description = "SIMULATION: cap each link at this bandwidth (e.g. 1Gbit, 100Mbit). Default: no cap.",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    internal void AddTo(Command command)
    {
        command.Add(_latency);
        command.Add(_bandwidth);
    }

    /// <summary>The raw option values.</summary>
    internal (string? Latency, string? Bandwidth) Read(ParseResult parse) => (parse.GetValue(_latency), parse.GetValue(_bandwidth));

    /// <summary>Parses the two values; null when neither is given.</summary>
    /// <exception cref="FormatException">A value that does not parse (the message names it).</exception>
    internal static NetworkConditions? Parse(string? latency, string? bandwidth)
    {
        if (string.IsNullOrWhiteSpace(latency) && string.IsNullOrWhiteSpace(bandwidth))
        {
            return null;
        }

        return new NetworkConditions(
            string.IsNullOrWhiteSpace(latency) ? TimeSpan.Zero : NetworkConditions.ParseLatency(latency),
            string.IsNullOrWhiteSpace(bandwidth) ? null : NetworkConditions.ParseBandwidth(bandwidth));
    }

    /// <summary>The options that give a child process the same conditions.</summary>
    internal static IEnumerable<string> Arguments(NetworkConditions? conditions)
    {
        if (conditions is null)
        {
            yield break;
        }

        if (conditions.OneWayLatency > TimeSpan.Zero)
        {
            yield return "--latency";
            yield return conditions.OneWayLatency.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture) + "ms";
        }

        if (conditions.BitsPerSecond is long bps)
        {
            yield return "--bandwidth";
            yield return bps.ToString(CultureInfo.InvariantCulture) + "bit";
        }
    }

    /// <summary>Wraps <paramref name="transport"/> when conditions are given.</summary>
    internal static ITransport Wrap(ITransport transport, NetworkConditions? conditions) =>
        conditions is { IsActive: true } ? new LatencyTransport(transport, conditions) : transport;

    /// <summary>A line for the log, or null without simulation.</summary>
    internal static string? Describe(NetworkConditions? conditions) => conditions is { IsActive: true }
        ? string.Create(CultureInfo.InvariantCulture, $"simulated network: {conditions.OneWayLatency.TotalMilliseconds} ms one-way latency, {(conditions.BitsPerSecond is long b ? $"{b / 1e6} Mbit/s per link" : "no bandwidth cap")}")
        : null;
}
