using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace MpcSortition.Protocols;

/// <summary>
/// Simulated network conditions for <see cref="LatencyTransport"/>: a one-way latency added to every message and an
/// optional bandwidth cap per link (each direction of each pair of parties is its own link).
/// </summary>
/// <param name="OneWayLatency">Added to every message between sending and delivery (a round trip costs twice this);
/// zero or more.</param>
/// <param name="BitsPerSecond">The capacity of each link in bits per second (a message of b bytes occupies its link for
/// 8b / capacity seconds, and messages on one link queue behind each other); <see langword="null"/> for no cap.</param>
public sealed record NetworkConditions(TimeSpan OneWayLatency, long? BitsPerSecond = null)
{
    /// <summary>Whether the conditions change anything (a latency above zero or a bandwidth cap).</summary>
    public bool IsActive => OneWayLatency > TimeSpan.Zero || BitsPerSecond is not null;

    /// <summary>Parses a duration as the command-line tools spell it: a number with the unit <c>us</c>, <c>ms</c> or
    /// <c>s</c> (for example <c>10ms</c>, <c>0.5s</c>); a bare number is milliseconds.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="FormatException">Not a non-negative number with a known unit, or above one hour.</exception>
    public static TimeSpan ParseLatency(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        (double value, string unit) = Split(text, "latency");
        double ms = unit switch
        {
            "" or "ms" => value,
            "us" or "µs" => value / 1000,
            "s" => value * 1000,
            _ => throw new FormatException($"Unknown latency unit '{unit}' in '{text}': use us, ms or s (for example 10ms)."),
        };
        if (ms > 3_600_000)
        {
            throw new FormatException($"The latency '{text}' is above one hour.");
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Parses a bandwidth: a number with the unit <c>bit</c>, <c>kbit</c>, <c>Mbit</c> or <c>Gbit</c> (per second,
    /// decimal prefixes; case-insensitive; for example <c>1Gbit</c>, <c>100Mbit</c>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>Bits per second, at least 1.</returns>
    /// <exception cref="FormatException">Not a positive number with a known unit.</exception>
    public static long ParseBandwidth(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        (double value, string unit) = Split(text, "bandwidth");
        double factor = unit.ToLowerInvariant() switch
        {
            "bit" or "bps" => 1,
            "kbit" or "kbps" => 1e3,
            "mbit" or "mbps" => 1e6,
            "gbit" or "gbps" => 1e9,
            _ => throw new FormatException($"Unknown bandwidth unit '{unit}' in '{text}': use bit, kbit, Mbit or Gbit (for example 1Gbit)."),
        };
        double bits = value * factor;
        if (bits < 1 || bits > 1e15)
        {
            throw new FormatException($"The bandwidth '{text}' must be between 1 bit/s and 1000 Tbit/s.");
        }

        return (long)bits;
    }

    private static (double Value, string Unit) Split(string text, string what)
    {
        string t = text.Trim();
        int i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(t.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new FormatException($"The {what} '{text}' does not start with a non-negative number.");
        }

        return (value, t[i..].Trim());
    }
}

/// <summary>
/// A transport decorator that simulates a wide-area network on top of any <see cref="ITransport"/> (for measurements:
/// the CLI's <c>--latency</c> and <c>--bandwidth</c>). Every message is held back for the one-way latency of
/// <see cref="NetworkConditions"/> (and, with a bandwidth cap, for its transmission time behind earlier messages on the
/// same link) before the inner transport sends it; receiving is unchanged. Messages keep their order per peer.
/// </summary>
/// <remarks>
/// <para>Sending returns at once (the payload is copied), as on a real link whose buffers are not full: one round of a
/// protocol, in which every party sends and then receives, therefore costs one latency, and a request followed by its
/// answer two. A background pump per peer delivers the messages when they are due.</para>
/// <para>Failures: a failure of the inner transport while a message is held back is thrown by the next send or receive
/// on this transport. Disposing waits until the held-back messages are delivered (at most the latency plus the queued
/// transmission time), then disposes the inner transport. Apply it to every party, with the same conditions, to model a
/// symmetric network; the figures it produces are simulations, not measurements of a real WAN.</para>
/// </remarks>
public sealed class LatencyTransport : ITransport
{
    private readonly ITransport _inner;
    private readonly NetworkConditions _conditions;
    private readonly Channel<Pending>?[] _queues;
    private readonly Task[] _pumps;
    private readonly long[] _linkFreeAt; // per peer, Stopwatch ticks
    private readonly CancellationTokenSource _stop = new();
    private Exception? _failure;
    private int _disposed;

    /// <summary>Wraps <paramref name="inner"/>; the result owns it.</summary>
    /// <param name="inner">The transport that carries the messages.</param>
    /// <param name="conditions">The latency and bandwidth to simulate.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative latency or a bandwidth below 1 bit/s.</exception>
    public LatencyTransport(ITransport inner, NetworkConditions conditions)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.OneWayLatency < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(conditions), conditions.OneWayLatency, "The latency must not be negative.");
        }

        if (conditions.BitsPerSecond is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(conditions), conditions.BitsPerSecond, "The bandwidth must be at least 1 bit/s.");
        }

        _inner = inner;
        _conditions = conditions;
        _queues = new Channel<Pending>?[inner.PartyCount];
        _pumps = new Task[inner.PartyCount];
        _linkFreeAt = new long[inner.PartyCount];
        for (int peer = 0; peer < inner.PartyCount; peer++)
        {
            if (peer == inner.PartyIndex)
            {
                _pumps[peer] = Task.CompletedTask;
                continue;
            }

            var queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
            _queues[peer] = queue;
            int p = peer;
            _pumps[peer] = Task.Run(() => PumpAsync(p, queue.Reader));
        }
    }

    /// <inheritdoc/>
    public int PartyIndex => _inner.PartyIndex;

    /// <inheritdoc/>
    public int PartyCount => _inner.PartyCount;

    /// <summary>The simulated conditions.</summary>
    public NetworkConditions Conditions => _conditions;

    /// <inheritdoc/>
    /// <remarks>Copies the payload and returns; the message leaves after the latency (and its transmission time).</remarks>
    public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if ((uint)peer >= (uint)PartyCount || peer == PartyIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(peer), peer, $"The peer must be a party index 0..{PartyCount - 1} other than this party ({PartyIndex}).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        long now = Stopwatch.GetTimestamp();
        long due;
        lock (_linkFreeAt)
        {
            long start = Math.Max(now, _linkFreeAt[peer]);
            long transmit = _conditions.BitsPerSecond is long bps
                ? (long)Math.Ceiling(payload.Length * 8.0 * Stopwatch.Frequency / bps)
                : 0;
            _linkFreeAt[peer] = start + transmit;
            due = start + transmit + (long)(_conditions.OneWayLatency.TotalSeconds * Stopwatch.Frequency);
        }

        if (!_queues[peer]!.Writer.TryWrite(new Pending(payload.ToArray(), due)))
        {
            ThrowIfFailed();
            throw new ObjectDisposedException(nameof(LatencyTransport));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        await _inner.ReceiveAsync(peer, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Delivers the held-back messages, then disposes the inner transport.</summary>
    /// <returns>Completes when the inner transport is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Channel<Pending>? q in _queues)
        {
            q?.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll(_pumps).WaitAsync(_conditions.OneWayLatency + TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The link is stuck; closing the inner transport below ends the pumps.
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Describes the transport without secrets.</summary>
    /// <returns>For example <c>LatencyTransport(party 0 of 3, 10 ms, 1000000000 bit/s)</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"LatencyTransport(party {PartyIndex} of {PartyCount}, {_conditions.OneWayLatency.TotalMilliseconds} ms, {(_conditions.BitsPerSecond is long b ? $"{b} bit/s" : "no bandwidth cap")})");

    private async Task PumpAsync(int peer, ChannelReader<Pending> reader)
    {
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out Pending message))
                {
                    // The timer may fire a little early (millisecond ticks): wait again until the due time has passed,
                    // so a message never leaves before its latency.
                    TimeSpan wait;
                    while ((wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), message.Due)) > TimeSpan.Zero)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait.TotalMilliseconds))), _stop.Token).ConfigureAwait(false);
                    }

                    await _inner.SendAsync(peer, message.Payload, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    private void ThrowIfFailed()
    {
        Exception? failure = Volatile.Read(ref _failure);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private readonly record struct Pending(byte[] Payload, long Due);
}
