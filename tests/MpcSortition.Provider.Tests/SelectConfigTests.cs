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
    public void ConfigReadsTheRecordsSectionAndRefusesBadOnesNamingTheField()
    {
        string dir = Directory.CreateTempSubdirectory("intake-records-config-").FullName;
        try
        {
            using (FileStream fs = File.Create(Path.Combine(dir, "round.json")))
            {
                TestRounds.Small().Save(fs);
            }

            File.WriteAllBytes(Path.Combine(dir, "p.pfx"), TestRounds.Certificates[0].Export(X509ContentType.Pkcs12));
            string config = Path.Combine(dir, "provider.json");
            string Write(string records) =>
                $"{{\"party\":0,\"round\":\"round.json\",\"listen\":[\"https://127.0.0.1:7443\"],\"certificate\":\"p.pfx\",\"database\":\"db/intake.db\",\"operatorTokenSha256\":\"{new string('a', 64)}\",\"records\":{records}}}";
            const string Band = "{\"attribute\":\"Income\",\"feature\":\"income band\",\"thresholds\":[20000,45000],\"quotas\":[[0,2],[0,2],[1,2],[0,1]]}";
            File.WriteAllText(config, Write($"{{\"shares\":\"records-0.shares\",\"bands\":[{Band}]}}"));
            RecordsConfig r = ProviderConfig.Load(config).Records!;
            Assert.Equal(Path.Combine(dir, "records-0.shares"), r.SharesPath);
            Assert.Equal(Selection.Records.RecordMatching.Code, r.Matching);
            Assert.True(r.OpenStatistics);
            Assert.Equal("income", r.Bands.Single().Attribute);
            Assert.Equal(["below 20000", "20000-44999", "45000 and above", "unknown"], r.Bands[0].Feature.Values.Select(v => v.Name));
            Assert.Equal(1, r.Bands[0].Feature.Values[2].Min);
            File.WriteAllText(config, Write("null"));
            Assert.Null(ProviderConfig.Load(config).Records);

            string Refused(string records)
            {
                File.WriteAllText(config, Write(records));
                return Assert.Throws<ConfigException>(() => ProviderConfig.Load(config)).Message;
            }

            Assert.Contains("\"records\".shares must name", Refused($"{{\"bands\":[{Band}]}}"));
            Assert.Contains("\"records\".bands must list", Refused("{\"shares\":\"r.shares\",\"bands\":[]}"));
            Assert.Contains("needs the sign-ups' person keys", Refused($"{{\"shares\":\"r.shares\",\"matching\":\"personKey\",\"bands\":[{Band}]}}"));
            Assert.Contains("unknown field \"shars\"", Refused($"{{\"shars\":\"r.shares\",\"bands\":[{Band}]}}"));
            Assert.Contains("\"records\".bands[0]: Give 4 quotas", Refused("{\"shares\":\"r.shares\",\"bands\":[{\"attribute\":\"income\",\"feature\":\"b\",\"thresholds\":[20000,45000],\"quotas\":[[0,2]]}]}"));
            Assert.Contains("\"records\".bands[0]: The thresholds must increase", Refused("{\"shares\":\"r.shares\",\"bands\":[{\"attribute\":\"income\",\"feature\":\"b\",\"thresholds\":[45000,20000],\"quotas\":[[0,2],[0,2],[0,2],[0,2]]}]}"));
            Assert.Contains("\"records\".bands[0] must be", Refused("{\"shares\":\"r.shares\",\"bands\":[{\"attribute\":\"income\"}]}"));
            Assert.Contains("\"records\".openStatistics must be", Refused($"{{\"shares\":\"r.shares\",\"openStatistics\":1,\"bands\":[{Band}]}}"));
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
