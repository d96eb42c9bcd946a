using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MpcSortition.Selection.Tests;

/// <summary>
/// Evidence written by hand in the documented formats (docs/verifiability.md, "For implementers: formats"), and
/// signatures made here with .NET's own ECDSA and RSA rather than with the code under test — so that the format tests
/// check the readers against the documentation, not against the writers.
/// </summary>
internal static class EvidenceByHand
{
    internal const string Round = "00112233445566778899AABBCCDDEEFF";

    /// <summary>A 64-digit (or <paramref name="digits"/>-digit) upper-case hex string made of one repeated digit.</summary>
    internal static string Hex(char digit, int digits = 64) => new(digit, digits);

    /// <summary>The lines of party <paramref name="party"/>'s transcript of a joint-tape run that found a panel at its
    /// fourth attempt, in the documented order, without line breaks.</summary>
    internal static List<string> TranscriptLines(int party = 1)
    {
        var lines = new List<string>
        {
            "MpcSortition.run-transcript.v1",
            $"party={party}",
            $"round={Round}",
            $"roundHash={Hex('B')}",
            "run=2",
            "strategy=legacy",
            "maxAttempts=100",
            "analyser=0",
            "composition=false",
            "tape=joint",
            "publicSeed=-",
            $"commitment.0={Hex('C')}",
            $"commitment.1={Hex('D')}",
            $"commitment.2={Hex('E')}",
            $"contribution.0={Hex('1', 32)}",
            $"contribution.1={Hex('2', 32)}",
            $"contribution.2={Hex('3', 32)}",
            "successBits=0001",
            $"panelCommitment={Hex('A')}",
            $"logHead={Hex('F')}",
        };
        foreach (int peer in Enumerable.Range(0, 3).Where(p => p != party))
        {
            lines.Add($"sent.{peer}={10 + peer} {1000 + peer} {Hex((char)('4' + peer))}");
            lines.Add($"received.{peer}={20 + peer} {2000 + peer} {Hex((char)('7' + peer))}");
        }

        return lines;
    }

    /// <summary>The canonical text: every line followed by '\n'.</summary>
    internal static string Text(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>The transcript with the line of <paramref name="key"/> replaced (or removed when <paramref name="value"/> is null).</summary>
    internal static string TranscriptWith(string key, string? value, int party = 1)
    {
        List<string> lines = TranscriptLines(party);
        int i = lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal));
        Assert.True(i > 0, $"no line {key}");
        if (value is null)
        {
            lines.RemoveAt(i);
        }
        else
        {
            lines[i] = key + "=" + value;
        }

        return Text(lines);
    }

    /// <summary>An ECDSA P-256 certificate with its private key (the default kind of the providers' certificates).</summary>
    internal static X509Certificate2 EcCertificate(string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static readonly Lazy<X509Certificate2> Rsa = new(() =>
    {
        using RSA key = RSA.Create(2048);
        return new CertificateRequest("CN=party-rsa", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    });

    /// <summary>An RSA-2048 certificate with its private key, made once per test run (key generation takes a second or
    /// two on a loaded machine); callers do not dispose it.</summary>
    internal static X509Certificate2 RsaCertificate => Rsa.Value;

    /// <summary>The documented signature of UTF-8 <paramref name="text"/>: ECDSA with SHA-256, IEEE P1363 r‖s, or RSA-PSS with SHA-256.</summary>
    internal static byte[] Sign(string text, X509Certificate2 certificate)
    {
        byte[] data = Encoding.UTF8.GetBytes(text);
        using ECDsa? ec = certificate.GetECDsaPrivateKey();
        if (ec is not null)
        {
            return ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using RSA rsa = certificate.GetRSAPrivateKey()!;
        return rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
    }

    /// <summary>The certificate without its private key, as an auditor pins it.</summary>
    internal static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
}
