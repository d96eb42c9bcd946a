using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;
using MpcSortition.Selection.Providers;

namespace MpcSortition.Cli;

/// <summary>
/// What every verb that runs the three providers on one machine needs: development certificates, free loopback ports,
/// endpoint parsing, starting this program again as a child process, and killing children that are still running.
/// </summary>
internal static class LocalParties
{
    /// <summary>Number of providers.</summary>
    internal const int Parties = 3;

    /// <summary>The private certificate (PKCS#12) of party <paramref name="party"/> in <paramref name="directory"/>.</summary>
    internal static string PrivateCertificate(string directory, int party) => Path.Combine(directory, $"party-{party}.pfx");

    /// <summary>The public certificate (DER) of party <paramref name="party"/> in <paramref name="directory"/>.</summary>
    internal static string PublicCertificate(string directory, int party) => Path.Combine(directory, $"party-{party}.cer");

    /// <summary>The three public certificates, comma-separated, as <c>--peer-certs</c> takes them.</summary>
    internal static string PublicCertificates(string directory) =>
        string.Join(',', Enumerable.Range(0, Parties).Select(p => PublicCertificate(directory, p)));

    /// <summary>
    /// Writes a fresh self-signed certificate per party: <c>party-i.pfx</c> (private key: give it to party i only;
    /// owner-only, and encrypted with <paramref name="password"/> when one is given) and <c>party-i.cer</c> (public: give
    /// it to every party, which pins it). A directory that does not exist yet is created owner-only.
    /// </summary>
    /// <param name="directory">Created if missing.</param>
    /// <param name="validity">How long the certificates are valid.</param>
    /// <param name="password">The .pfx password (PBES2, AES-256, SHA-256), or null for an unencrypted file (benchmarks only).</param>
    /// <param name="log">Where to describe each certificate, or null.</param>
    internal static void WriteCertificates(string directory, TimeSpan validity, string? password, TextWriter? log)
    {
        OwnerOnlyFile.CreateDirectory(directory);
        for (int p = 0; p < Parties; p++)
        {
            using X509Certificate2 cert = TlsCertificates.CreateSelfSigned($"mpcsortition-party-{p}", validity);
            byte[] pfx = password is null
                ? cert.Export(X509ContentType.Pkcs12)
                : cert.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);
            try
            {
                OwnerOnlyFile.Write(PrivateCertificate(directory, p), s => s.Write(pfx));
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(pfx);
            }

            File.WriteAllBytes(PublicCertificate(directory, p), cert.Export(X509ContentType.Cert));
            log?.WriteLine($"party {p}: {PrivateCertificate(directory, p)} (private{(password is null ? string.Empty : ", password-protected")}), {PublicCertificate(directory, p)} (SHA-256 {TlsCertificates.Thumbprint(cert)})");
        }
    }

    /// <summary>Ports that are free on 127.0.0.1 right now (the operating system's choice).</summary>
    internal static int[] FreeLoopbackPorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (TcpListener l in listeners)
            {
                l.Stop();
            }
        }
    }

    /// <summary>Three loopback endpoints on free ports, comma-separated.</summary>
    internal static string FreeLoopbackEndpoints() => string.Join(',', FreeLoopbackPorts(Parties).Select(p => $"127.0.0.1:{p}"));

    /// <summary>Parses <c>host:port</c> or an IP end point.</summary>
    /// <exception cref="ArgumentException">The text is neither.</exception>
    internal static EndPoint ParseEndPoint(string text)
    {
        text = text.Trim();
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0)
        {
            return ip;
        }

        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
        {
            return new DnsEndPoint(text[..colon], port);
        }

        throw new ArgumentException($"'{text}' is not host:port.");
    }

    /// <summary>Starts this program again with <paramref name="arguments"/> (through <c>dotnet</c> when run as a dll).</summary>
    /// <param name="arguments">The verb and its options.</param>
    /// <param name="redirect">Redirect standard output and error (the caller must then read them).</param>
    /// <param name="pfxPassword">Passed to the child in its environment (<see cref="PfxPassword.Variable"/>), never on its command line; null for none.</param>
    internal static Process StartSelf(IEnumerable<string> arguments, bool redirect, string? pfxPassword = null)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's executable to start the other parties.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(LocalParties).Assembly.Location);
        }

        if (pfxPassword is not null)
        {
            start.Environment[PfxPassword.Variable] = pfxPassword;
        }

        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a party process.");
    }

    /// <summary>Kills every child that is still running (with its children) and disposes all of them.</summary>
    internal static void KillAll(IEnumerable<Process> children)
    {
        foreach (Process child in children)
        {
            try
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                    child.WaitForExit(10_000);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            child.Dispose();
        }
    }
}
