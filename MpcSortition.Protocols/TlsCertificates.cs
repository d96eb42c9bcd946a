using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MpcSortition.Protocols;

/// <summary>Helpers for the certificates that authenticate parties to each other.</summary>
public static class TlsCertificates
{
    /// <summary>
    /// Creates a fresh self-signed certificate with an ECDSA P-256 key for a party (key from the operating system's
    /// generator). Pin its public part (<see cref="X509Certificate.Export(X509ContentType)"/> as
    /// <see cref="X509ContentType.Cert"/>) at the peers.
    /// </summary>
    /// <param name="subjectName">Common name, for example <c>party-0</c>; letters, digits, '-' and '.'.</param>
    /// <param name="validity">How long the certificate is valid from now (at least one minute).</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 CreateSelfSigned(string subjectName, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectName);
        if (!subjectName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            throw new ArgumentException("Use only letters, digits, '-' and '.' in the subject name.", nameof(subjectName));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(validity, TimeSpan.FromMinutes(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subjectName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity));

        // Round-trip through PKCS#12 so that the private key is usable by TLS on every platform.
        byte[] pfx = ephemeral.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }

    /// <summary>The SHA-256 hash of the whole certificate, upper-case hex: what peers pin.</summary>
    /// <param name="certificate">Any certificate.</param>
    /// <returns>64 hex digits.</returns>
    public static string Thumbprint(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }
}
