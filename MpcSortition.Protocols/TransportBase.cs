using System.Net.Sockets;
using System.Security.Authentication;

namespace MpcSortition.Protocols;

/// <summary>
/// Shared machinery of the transports: argument checks, per-peer ordering, timeouts and the fault rule (traffic is counted by the session above)
/// (the first link failure faults the whole transport, cancels every pending operation and closes the other links).
/// </summary>
internal abstract class TransportBase : ITransport
{
    private readonly CancellationTokenSource _faultCts = new();
    private readonly SemaphoreSlim[] _sendLocks;
    private readonly SemaphoreSlim[] _receiveLocks;
    private readonly object _faultGate = new();
    private (int Peer, PeerFailure Failure, string Detail, Exception? Inner)? _fault;
    private int _disposed;

    protected TransportBase(int partyIndex, int partyCount, TimeSpan operationTimeout)
    {
        if (partyCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(partyCount), partyCount, "A session needs at least 2 parties.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(partyIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partyIndex, partyCount);
        if (operationTimeout != Timeout.InfiniteTimeSpan && operationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(operationTimeout), operationTimeout, "The timeout must be positive or infinite.");
        }

        PartyIndex = partyIndex;
        PartyCount = partyCount;
        OperationTimeout = operationTimeout;
        _sendLocks = new SemaphoreSlim[partyCount];
        _receiveLocks = new SemaphoreSlim[partyCount];
        for (int p = 0; p < partyCount; p++)
        {
            _sendLocks[p] = new SemaphoreSlim(1, 1);
            _receiveLocks[p] = new SemaphoreSlim(1, 1);
        }
    }

    public int PartyIndex { get; }

    public int PartyCount { get; }

    public TimeSpan OperationTimeout { get; }

    protected CancellationToken FaultToken => _faultCts.Token;

    protected bool IsFaulted
    {
        get
        {
            lock (_faultGate)
            {
                return _fault is not null;
            }
        }
    }

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public async ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        CheckPeer(peer);
        ThrowIfUnusable();
        await RunAsync(peer, _sendLocks[peer], d => SendCoreAsync(peer, payload, d), "sending", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        CheckPeer(peer);
        ThrowIfUnusable();
        await RunAsync(peer, _receiveLocks[peer], d => ReceiveCoreAsync(peer, destination, d), "receiving", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!IsFaulted)
            {
                await CloseCleanlyAsync().ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Best effort: the peers may already be gone. Nothing secret is lost by an abrupt close.
        }
        finally
        {
            lock (_faultGate)
            {
                _fault ??= (PartyIndex, PeerFailure.ClosedByPeer, "the session was closed by this party (the transport is disposed)", null);
            }

            _faultCts.Cancel();
            CloseAbruptly();
            _faultCts.Dispose();
        }
    }

    /// <summary>Sends one frame. Throw <see cref="PeerException"/> for protocol violations; other exceptions are classified.</summary>
    protected abstract ValueTask SendCoreAsync(int peer, ReadOnlyMemory<byte> payload, Deadline deadline);

    /// <summary>Receives one frame of exactly the destination's length.</summary>
    protected abstract ValueTask ReceiveCoreAsync(int peer, Memory<byte> destination, Deadline deadline);

    /// <summary>Says goodbye to every peer and closes; called once, only when not faulted.</summary>
    protected abstract ValueTask CloseCleanlyAsync();

    /// <summary>Closes every link at once so that peers notice promptly; must not throw.</summary>
    protected abstract void CloseAbruptly();

    /// <summary>Best effort, without blocking for long: sends an abort frame carrying <paramref name="reason"/> to every peer except <paramref name="culprit"/>.</summary>
    protected abstract void SendAbort(int culprit, string reason);

    /// <summary>Tries to take the send lock of <paramref name="peer"/> without waiting.</summary>
    protected bool TryEnterSend(int peer) => _sendLocks[peer].Wait(0);

    /// <summary>Releases a send lock taken with <see cref="TryEnterSend"/>.</summary>
    protected void ExitSend(int peer) => _sendLocks[peer].Release();

    /// <summary>Records the first failure, cancels everything pending and closes the links. Returns the exception to throw.</summary>
    protected PeerException Fault(int peer, PeerFailure failure, string detail, Exception? inner)
    {
        bool first = false;
        lock (_faultGate)
        {
            if (_fault is null)
            {
                _fault = (peer, failure, detail, inner);
                first = true;
            }
        }

        if (first)
        {
            try
            {
                // Tell the other peers why this party stops, so that they report the root cause.
                SendAbort(peer, CurrentFault()!.Message);
            }
            catch (Exception)
            {
                // Best effort only.
            }

            try
            {
                _faultCts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            CloseAbruptly();
        }

        return CurrentFault()!;
    }

    protected PeerException? CurrentFault()
    {
        lock (_faultGate)
        {
            return _fault is { } f ? new PeerException(PartyIndex, f.Peer, f.Failure, f.Detail, f.Inner) : null;
        }
    }

    private async Task RunAsync(int peer, SemaphoreSlim gate, Func<Deadline, ValueTask> operation, string activity, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _faultCts.Token);
        if (OperationTimeout != Timeout.InfiniteTimeSpan)
        {
            linked.CancelAfter(OperationTimeout);
        }

        bool entered = false;
        try
        {
            await gate.WaitAsync(linked.Token).ConfigureAwait(false);
            entered = true;
            await operation(new Deadline(linked, OperationTimeout)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Classify(peer, e, activity, cancellationToken);
        }
        finally
        {
            if (entered)
            {
                gate.Release();
            }
        }
    }

    private Exception Classify(int peer, Exception e, string activity, CancellationToken callerToken)
    {
        if (CurrentFault() is { } existing)
        {
            return existing;
        }

        return e switch
        {
            PeerException pe => Fault(pe.Peer, pe.Failure, pe.Detail, pe.InnerException),
            OperationCanceledException when callerToken.IsCancellationRequested =>
                new OperationCanceledException($"Party {PartyIndex}: {activity} (peer party {peer}) was cancelled by the caller; the transport is no longer usable.", e, callerToken)
                    .Also(() => Fault(peer, PeerFailure.Timeout, $"{activity} was cancelled by the caller", e)),
            OperationCanceledException =>
                Fault(peer, PeerFailure.Timeout, $"no progress while {activity} for {OperationTimeout.TotalSeconds:0.###} s (operation timeout)", e),
            EndOfStreamException =>
                Fault(peer, PeerFailure.Disconnected, $"the connection was closed while {activity}", e),
            AuthenticationException =>
                Fault(peer, PeerFailure.AuthenticationFailed, $"TLS error while {activity}: {e.Message}", e),
            IOException or SocketException or ObjectDisposedException =>
                Fault(peer, PeerFailure.Disconnected, $"the connection broke while {activity}: {e.Message}", e),
            _ => e,
        };
    }

    private void CheckPeer(int peer)
    {
        if ((uint)peer >= (uint)PartyCount || peer == PartyIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(peer), peer, $"Party {PartyIndex} has peers 0..{PartyCount - 1} except itself.");
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (CurrentFault() is { } fault)
        {
            throw fault;
        }
    }
}

/// <summary>The cancellation of one send or receive: the caller's token, the transport's fault, and an inactivity
/// timeout that <see cref="Extend"/> restarts whenever the operation makes progress.</summary>
internal readonly struct Deadline(CancellationTokenSource source, TimeSpan timeout)
{
    internal CancellationToken Token => source.Token;

    /// <summary>Restarts the inactivity timeout (call after each chunk of progress).</summary>
    internal void Extend()
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            try
            {
                source.CancelAfter(timeout);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

internal static class ExceptionExtensions
{
    internal static TException Also<TException>(this TException exception, Action action)
        where TException : Exception
    {
        action();
        return exception;
    }
}
