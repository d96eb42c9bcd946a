using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

internal static class TestRounds
{
    private static readonly Lazy<X509Certificate2[]> Certs = new(() =>
        Enumerable.Range(0, 3).Select(p => TlsCertificates.CreateSelfSigned($"test-provider-{p}", TimeSpan.FromHours(2))).ToArray());

    public static X509Certificate2[] Certificates => Certs.Value;

    public static X509Certificate2 PublicOnly(X509Certificate2 c) => X509CertificateLoader.LoadCertificate(c.Export(X509ContentType.Cert));

    /// <summary>A small round: 3 questions (2 + 3 + 2 values, V = 7), contact block 16 + 32 = 48 bytes.</summary>
    /// <param name="deadline">The sign-up deadline (default in an hour).</param>
    /// <param name="id">The round id (default random).</param>
    /// <param name="testSeedCommitment">The round's commitment to a public test seed (default none).</param>
    public static SignupRound Small(DateTimeOffset? deadline = null, byte[]? id = null, byte[]? testSeedCommitment = null) => new(
        id ?? RandomNumberGenerator.GetBytes(16), "Test round", deadline ?? Whole(DateTimeOffset.UtcNow.AddHours(1)), 3,
        [
            new SignupFeature("gender", "Gender?", [new("f", "Female", 1, 2), new("m", "Male", 1, 2)]),
            new SignupFeature("age", "Age?", [new("young", "Young", 0, 3), new("mid", "Middle", 0, 3), new("old", "Old", 0, 3)]),
            new SignupFeature("urban", "Where?", [new("u", "Town", 0, 3), new("r", "Country", 0, 3)]),
        ],
        [new ContactField("name", "Name", 16), new ContactField("email", "E-mail", 32)],
        new byte[16], "https://signup.example.org/?code={code}", testSeedCommitment);

    public static DateTimeOffset Whole(DateTimeOffset d) => new(d.UtcDateTime.Ticks - d.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
