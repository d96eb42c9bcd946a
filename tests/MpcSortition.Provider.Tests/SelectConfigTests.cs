using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider.Tests;

/// <summary>The selection's configuration: MPC endpoints in the provider config, the round's test seed commitment.</summary>
public sealed class SelectConfigTests
{
    [Fact]
    public void ConfigReadsTheMpcEndpointsAndRefusesBadOnesNamingThem()
    {
        string dir = Directory.CreateTempSubdirectory("intake-mpc-config-").FullName;
        try
        {
            using (FileStream fs = File.Create(Path.Combine(dir, "round.json")))
            {
                TestRounds.Small().Save(fs);
            }

            File.WriteAllBytes(Path.Combine(dir, "p.pfx"), TestRounds.Certificates[0].Export(X509ContentType.Pkcs12));
            string config = Path.Combine(dir, "provider.json");
            string Write(string mpc, string peerMpc, string timeout = "") =>
                $"{{\"party\":0,\"round\":\"round.json\",\"listen\":[\"https://127.0.0.1:7443\"],\"certificate\":\"p.pfx\",\"database\":\"db/intake.db\",\"operatorTokenSha256\":\"{new string('a', 64)}\"," +
                $"\"peers\":[{{\"party\":1,\"url\":\"https://b.example.org:7443\",\"certificate\":\"p1.cer\",\"mpc\":\"{peerMpc}\"}}],\"mpc\":\"{mpc}\"{timeout}}}";
            File.WriteAllText(config, Write("0.0.0.0:7543", "b.example.org:7544", ",\"mpcConnectTimeoutSeconds\":20"));
            ProviderConfig c = ProviderConfig.Load(config);
            Assert.Equal(new IPEndPoint(IPAddress.Any, 7543), c.MpcListen);
            Assert.Equal(new DnsEndPoint("b.example.org", 7544), c.Peers[0].Mpc);
            Assert.Equal(TimeSpan.FromSeconds(20), c.MpcConnectTimeout);
            File.WriteAllText(config, Write("127.0.0.1:7543", "[::1]:7544"));
            Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 7544), ProviderConfig.Load(config).Peers[0].Mpc);
            Assert.Equal(TimeSpan.FromMinutes(5), ProviderConfig.Load(config).MpcConnectTimeout);
            File.WriteAllText(config, Write("a.example.org:7543", "b.example.org:7544"));
            Assert.Contains("\"mpc\" must be an IP address and port", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
            File.WriteAllText(config, Write("127.0.0.1:7543", "b.example.org"));
            Assert.Contains("peer 1's \"mpc\" must be host:port", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
            File.WriteAllText(config, Write("127.0.0.1:7543", "b.example.org:7544", ",\"mpcConnectTimeoutSeconds\":0"));
            Assert.Contains("mpcConnectTimeoutSeconds", Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ARoundCommitsToItsTestSeedAndKeepsItsHashWithoutOne()
    {
        SignupRound plain = TestRounds.Small(id: RandomNumberGenerator.GetBytes(16));
        byte[] seed = Encoding.UTF8.GetBytes("a public test seed");
        byte[] commitment = plain.CommitTestSeed(seed);
        var committed = new SignupRound(Convert.FromHexString(plain.RoundId), plain.Title, plain.DeadlineUtc, plain.PanelSize, plain.Features, plain.ContactFields,
            plain.CodeSalt, plain.SignupUrl, commitment);
        Assert.Null(plain.TestSeedCommitment);
        Assert.Equal(Convert.ToHexStringLower(commitment), committed.TestSeedCommitment);
        Assert.NotEqual(plain.Hash, committed.Hash);
        Assert.Equal(commitment, Selection.Providers.RoundDefinition.CommitSeed(Convert.FromHexString(plain.RoundId), seed));

        static SignupRound RoundTrip(SignupRound r)
        {
            var ms = new MemoryStream();
            r.Save(ms);
            ms.Position = 0;
            return SignupRound.Load(ms);
        }

        Assert.Equal(committed.Hash, RoundTrip(committed).Hash);
        Assert.Equal(committed.TestSeedCommitment, RoundTrip(committed).TestSeedCommitment);
        Assert.Equal(plain.Hash, RoundTrip(plain).Hash);
        var text = new MemoryStream();
        plain.Save(text);
        Assert.DoesNotContain("testSeedCommitment", Encoding.UTF8.GetString(text.ToArray()));
        string bad = Encoding.UTF8.GetString(text.ToArray()).TrimEnd().TrimEnd('}') + ",\"testSeedCommitment\":\"abcd\"}";
        Assert.Contains("testSeedCommitment", Assert.Throws<InvalidDataException>(() => SignupRound.Load(new MemoryStream(Encoding.UTF8.GetBytes(bad)))).Message);
    }
}
