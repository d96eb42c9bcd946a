using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// The joint tape's commitment check where it matters first: at the close of a run every provider opens its tape
/// contribution, and each peer compares it with the commitment published before the draw. A provider that opens
/// another contribution (to claim a different draw) must be refused there, by name, by the honest providers. The
/// existing tests called <see cref="TapeReveal.Check"/> directly and through the audit; removing the check from the
/// closing itself left them all green.
/// </summary>
public sealed class TapeRevealAtClosingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpcsortition-reveal-").FullName;
    private readonly X509Certificate2[] _certs = Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"party-{p}", TimeSpan.FromDays(1))).ToArray();

    public void Dispose()
    {
        foreach (X509Certificate2 c in _certs)
        {
            c.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_provider_that_opens_another_contribution_is_refused_by_the_honest_providers()
    {
        SelectionProblem problem = ProviderTestData.Problem();
        RoundDefinition round = ProviderTestData.Round(problem);
        uint[][] shares = ContributorEncoding.ShareRows(round.Features, problem.Candidates.Select(c => c.Values));
        ITransport[] transports = InMemoryNetwork.Create(3, TimeSpan.FromSeconds(60));
        var liar = new ChangesItsOpening(transports[2]);
        Task<ProviderRunResult>[] runs = transports.Select(t =>
        {
            int p = t.PartyIndex;
            ITransport used = p == 2 ? liar : t;
            return Task.Run(() => ProviderRun.RunAsync(used, round, shares[p], new ProviderRunOptions
            {
                MaxAttempts = 50,
                RunLog = RunLog.Open(Path.Combine(_dir, $"run-log-{p}.jsonl"), round),
                SigningCertificate = _certs[p],
            }));
        }).ToArray();

        var failures = new Exception?[3];
        for (int p = 0; p < 3; p++)
        {
            failures[p] = await Record.ExceptionAsync(() => runs[p].WaitAsync(TimeSpan.FromMinutes(3)));
        }

        Assert.Equal(2, liar.Changed); // the opening went to both peers, altered
        for (int p = 0; p < 2; p++)
        {
            VerificationException e = Assert.IsType<VerificationException>(failures[p]);
            Assert.Equal(VerificationProblem.ContributionMismatch, e.Problem);
            Assert.Contains("Provider 2's opened tape contribution does not match the commitment", e.Message, StringComparison.Ordinal);
        }

        Assert.NotNull(failures[2]); // the liar does not get a closed run either
    }

    /// <summary>
    /// Party 2's link, which changes the first byte of its tape opening (48 bytes: the 16-byte contribution, then 32
    /// zero bytes where only the analyser, party 0, puts its panel commitment). The session set-up messages are 48
    /// bytes too, but carry 32 random bytes at the end.
    /// </summary>
    private sealed class ChangesItsOpening(ITransport inner) : ITransport
    {
        private int _changed;

        public int Changed => Volatile.Read(ref _changed);

        public int PartyIndex => inner.PartyIndex;

        public int PartyCount => inner.PartyCount;

        public ValueTask SendAsync(int peer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            ReadOnlySpan<byte> p = payload.Span;
            if (p.Length == 48 && !p[16..].ContainsAnyExcept((byte)0) && p[..16].ContainsAnyExcept((byte)0))
            {
                byte[] altered = payload.ToArray();
                altered[0] ^= 1;
                Interlocked.Increment(ref _changed);
                return inner.SendAsync(peer, altered, cancellationToken);
            }

            return inner.SendAsync(peer, payload, cancellationToken);
        }

        public ValueTask ReceiveAsync(int peer, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            inner.ReceiveAsync(peer, destination, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
