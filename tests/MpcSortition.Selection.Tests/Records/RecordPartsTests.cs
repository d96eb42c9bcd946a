using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MpcSortition.Selection.Records;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>The two in-memory parts a join compares before it starts: <see cref="RecordShares"/> (the tax office's) and
/// <see cref="SignupShares"/> (the sign-ups'). Their constructors refuse bad arguments by name; their public digests change
/// with every public part and with nothing secret, and follow a fixed encoding (the three providers may run different
/// builds of the library, so the encoding is pinned here, computed without the library).</summary>
public sealed class RecordPartsTests
{
    private static readonly byte[] RoundId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    private static string Hash(int i) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));

    private static RecordShares Records(int party = 1, byte[]? round = null, string[]? names = null, int count = 2, string[]? codes = null, uint[]? keys = null, uint[]? attributes = null, bool noCodes = false) =>
        new(party, (ReadOnlySpan<byte>)(round ?? RoundId), names ?? ["income"], count, noCodes ? null : codes ?? Enumerable.Range(0, count).Select(Hash).ToArray(), keys ?? [], attributes ?? new uint[count * (names ?? ["income"]).Length]);

    private static string Refusal<T>(Action make, string param)
        where T : ArgumentException
    {
        T e = Assert.Throws<T>(make);
        Assert.Equal(param, e.ParamName);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        return e.Message;
    }

    [Fact]
    public void RecordSharesRefuseEachBadArgumentByName()
    {
        Refusal<ArgumentNullException>(() => new RecordShares(1, (ReadOnlySpan<byte>)RoundId, null!, 1, [Hash(0)], [], [1]), "attributeNames");
        Refusal<ArgumentOutOfRangeException>(() => Records(party: -1), "party");
        Refusal<ArgumentOutOfRangeException>(() => Records(party: 3), "party");
        Refusal<ArgumentOutOfRangeException>(() => Records(count: 0, codes: [], attributes: []), "count");
        Refusal<ArgumentOutOfRangeException>(() => Records(count: TaxRecords.MaxRecords + 1, codes: [], keys: [1, 2], attributes: [1]), "count");
        Assert.Contains("16 bytes", Refusal<ArgumentException>(() => Records(round: new byte[15]), "roundId"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Records(round: new byte[17]), "roundId");

        // Names: none, too many, one blank among good ones, a repeat (ignoring case).
        Assert.Contains("1 to 64 distinct, non-empty attribute names", Refusal<ArgumentException>(() => Records(names: [], attributes: []), "attributeNames"), StringComparison.Ordinal);
        string[] many = Enumerable.Range(0, TaxRecords.MaxAttributes + 1).Select(i => $"a{i}").ToArray();
        Refusal<ArgumentException>(() => Records(names: many, count: 1, codes: [Hash(0)], attributes: new uint[many.Length]), "attributeNames");
        Refusal<ArgumentException>(() => Records(names: ["income", " "], attributes: new uint[4]), "attributeNames");
        Refusal<ArgumentException>(() => Records(names: ["income", ""], attributes: new uint[4]), "attributeNames");
        Refusal<ArgumentException>(() => Records(names: ["income", "flat", "Income"], attributes: new uint[6]), "attributeNames");
        Assert.Equal(TaxRecords.MaxAttributes, Records(names: many[..^1], count: 1, codes: [Hash(0)], attributes: new uint[many.Length - 1]).AttributeNames.Count);

        // Code hashes: wrong count (each one good), one null, one short, one upper-case, one with a non-hex digit.
        Assert.Contains("N code hashes of 64 lower-case hex digits", Refusal<ArgumentException>(() => Records(codes: [Hash(0)]), "codeHashes"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), Hash(1), Hash(2)]), "codeHashes");
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), null!]), "codeHashes");
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), Hash(1)[..63]]), "codeHashes");
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), Hash(1) + "0"]), "codeHashes");
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), Hash(1).ToUpperInvariant()]), "codeHashes");
        Refusal<ArgumentException>(() => Records(codes: [Hash(0), "g" + Hash(1)[1..]]), "codeHashes");

        // Keys and attributes of the wrong length; neither identifier.
        Assert.Contains("2N = 4 person key shares, got 3", Refusal<ArgumentException>(() => Records(keys: [1, 2, 3]), "personKeyShares"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Records(keys: [1, 2, 3, 4, 5]), "personKeyShares");
        Assert.Contains("N·A = 2 attribute shares, got 3", Refusal<ArgumentException>(() => Records(attributes: [1, 2, 3]), "attributeShares"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Records(attributes: [1]), "attributeShares");
        Refusal<ArgumentException>(() => Records(noCodes: true), "codeHashes");

        // The good ones around those edges are accepted.
        Assert.True(Records(noCodes: true, keys: [1, 2, 3, 4]).HasPersonKeys);
        Assert.Null(Records(noCodes: true, keys: [1, 2, 3, 4]).CodeHashes);
        Assert.False(Records().HasPersonKeys);
        Assert.Equal(2, Records(party: 2).Party);
    }

    [Fact]
    public void TheRecordsDigestChangesWithEveryPublicPartAndNothingSecret()
    {
        string[] codes = [Hash(0), Hash(1)];
        byte[] baseline = Records(codes: codes, keys: [1, 2, 3, 4], attributes: [5, 6]).PublicDigest();

        // Secret parts and the party do not count: the three providers hold different shares of the same records.
        Assert.Equal(baseline, Records(party: 0, codes: codes, keys: [9, 9, 9, 9], attributes: [7, 8]).PublicDigest());
        Assert.Equal(baseline, Records(party: 2, codes: [.. codes], keys: [0, 0, 0, 0], attributes: [0, 0]).PublicDigest());

        byte[] otherRound = [.. RoundId];
        otherRound[15] ^= 1;
        byte[][] others =
        [
            Records(round: otherRound, codes: codes, keys: [1, 2, 3, 4]).PublicDigest(),
            Records(codes: [Hash(0), Hash(2)], keys: [1, 2, 3, 4]).PublicDigest(),                  // one code hash
            Records(codes: [codes[1], codes[0]], keys: [1, 2, 3, 4]).PublicDigest(),                // their order
            Records(codes: codes).PublicDigest(),                                                    // no keys
            Records(noCodes: true, keys: [1, 2, 3, 4]).PublicDigest(),                               // no codes
            Records(names: ["earnings"], codes: codes, keys: [1, 2, 3, 4]).PublicDigest(),         // a name
            Records(names: ["income", "flat"], codes: codes, keys: [1, 2, 3, 4], attributes: new uint[4]).PublicDigest(),
            Records(count: 3, codes: [.. codes, Hash(3)], keys: [1, 2, 3, 4, 5, 6]).PublicDigest(), // N
        ];
        Assert.All(others, d => Assert.NotEqual(baseline, d));
        Assert.Equal(others.Length, others.Select(Convert.ToHexString).Distinct().Count());

        // Name boundaries count: ("ab", "c") is not ("a", "bc").
        Assert.NotEqual(
            Records(names: ["ab", "c"], attributes: new uint[4]).PublicDigest(),
            Records(names: ["a", "bc"], attributes: new uint[4]).PublicDigest());

        // Code hashes only, keys only, both: three different digests for the same N and names.
        byte[] codesOnly = Records(count: 1, codes: [Hash(5)]).PublicDigest();
        byte[] keysOnly = Records(count: 1, noCodes: true, keys: [1, 2]).PublicDigest();
        byte[] both = Records(count: 1, codes: [Hash(5)], keys: [1, 2]).PublicDigest();
        Assert.Equal(3, new[] { codesOnly, keysOnly, both }.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void TheRecordsDigestFollowsItsPinnedEncoding()
    {
        static byte[] Expected(int count, int flags, string[] names, string[] codes)
        {
            var b = new List<byte>();
            b.AddRange("MpcSortition.records.v1\n"u8.ToArray());
            b.AddRange(RoundId);
            var x = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(x, count);
            b.AddRange(x);
            BinaryPrimitives.WriteInt32LittleEndian(x, flags);
            b.AddRange(x);
            foreach (string name in names)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(name);
                BinaryPrimitives.WriteInt32LittleEndian(x, bytes.Length);
                b.AddRange(x);
                b.AddRange(bytes);
            }

            foreach (string code in codes)
            {
                b.AddRange(Convert.FromHexString(code));
            }

            return SHA256.HashData(b.ToArray());
        }

        string[] names = ["income", "Größe"];
        Assert.Equal(Expected(2, 2, names, [Hash(0), Hash(1)]), Records(names: names, attributes: new uint[4]).PublicDigest());
        Assert.Equal(Expected(2, 1, names, []), Records(names: names, noCodes: true, keys: [1, 2, 3, 4], attributes: new uint[4]).PublicDigest());
        Assert.Equal(Expected(2, 3, names, [Hash(0), Hash(1)]), Records(names: names, keys: [1, 2, 3, 4], attributes: new uint[4]).PublicDigest());
    }

    private static Feature[] Features(int max = 2) =>
    [
        new Feature("gender", [new FeatureValue("female", 1, max), new FeatureValue("male", 1, 2)]),
        new Feature("age", [new FeatureValue("young", 0, 1), new FeatureValue("old", 0, 1), new FeatureValue("very old", 0, 1)]),
    ];

    private static SignupShares Signups(string[]? ids = null, string?[]? codes = null, Feature[]? features = null, uint[]? rows = null, uint[]? keys = null)
    {
        ids ??= ["p", "q"];
        codes ??= new string?[ids.Length];
        features ??= Features();
        return new SignupShares(ids, codes, features, rows ?? new uint[ids.Length * features.Sum(f => f.Values.Count)], keys ?? []);
    }

    [Fact]
    public void SignupSharesRefuseEachBadArgumentByName()
    {
        Refusal<ArgumentNullException>(() => new SignupShares(null!, [null], Features(), new uint[5]), "ids");
        Refusal<ArgumentNullException>(() => new SignupShares(["p"], null!, Features(), new uint[5]), "codeHashes");
        Refusal<ArgumentNullException>(() => new SignupShares(["p"], [null], null!, new uint[5]), "features");

        Assert.Contains("at least one sign-up", Refusal<ArgumentException>(() => Signups(ids: []), "ids"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Signups(ids: ["p", ""]), "ids");
        Refusal<ArgumentException>(() => Signups(ids: ["p", null!]), "ids");
        Refusal<ArgumentException>(() => Signups(ids: ["p", " "]), "ids");
        Refusal<ArgumentException>(() => Signups(ids: ["p", "q", "p"]), "ids");
        Assert.Equal(3, Signups(ids: ["p", "P", "q"]).Count);   // ids are compared exactly

        Assert.Contains("one code hash (or null) per sign-up: 2, not 1", Refusal<ArgumentException>(() => Signups(codes: [null]), "codeHashes"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Signups(codes: [null, null, null]), "codeHashes");
        Refusal<ArgumentException>(() => Signups(codes: [Hash(0), Hash(1)[..63]]), "codeHashes");
        Refusal<ArgumentException>(() => Signups(codes: [Hash(0), Hash(1).ToUpperInvariant()]), "codeHashes");
        Refusal<ArgumentException>(() => Signups(codes: [Hash(0), ""]), "codeHashes");
        Assert.Equal([Hash(0), null], Signups(codes: [Hash(0), null]).CodeHashes);

        Assert.Contains("n·V = 10 row shares, got 9", Refusal<ArgumentException>(() => Signups(rows: new uint[9]), "rows"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Signups(rows: new uint[11]), "rows");
        Assert.Contains("2n = 4 person key shares (or none), got 2", Refusal<ArgumentException>(() => Signups(keys: [1, 2]), "personKeyShares"), StringComparison.Ordinal);
        Refusal<ArgumentException>(() => Signups(keys: [1, 2, 3, 4, 5]), "personKeyShares");

        SignupShares without = Signups();
        Assert.False(without.HasPersonKeys);
        Assert.True(without.PersonKeyShares.IsEmpty);
        Assert.Equal(5, without.ValueCount);
        SignupShares with = Signups(keys: [1, 2, 3, 4]);
        Assert.True(with.HasPersonKeys);
        Assert.Equal([1u, 2u, 3u, 4u], with.PersonKeyShares.ToArray());
    }

    [Fact]
    public void TheSignupDigestChangesWithEveryPublicPartAndNothingSecret()
    {
        string?[] codes = [Hash(0), null];
        byte[] baseline = Signups(codes: codes).PublicDigest();
        Assert.Equal(baseline, Signups(codes: [.. codes], rows: Enumerable.Range(1, 10).Select(i => (uint)i).ToArray()).PublicDigest());

        static Feature[] With(Func<Feature[], Feature[]> change) => change(Features());
        byte[][] others =
        [
            Signups(ids: ["p", "r"], codes: codes).PublicDigest(),                  // an id
            Signups(ids: ["q", "p"], codes: codes).PublicDigest(),                  // the order of ids
            Signups(codes: [Hash(1), null]).PublicDigest(),                         // a code hash
            Signups(codes: [null, null]).PublicDigest(),                            // a code hash absent
            Signups(codes: [Hash(0), Hash(1)]).PublicDigest(),                      // a code hash present
            Signups(codes: [null, Hash(0)]).PublicDigest(),                         // which sign-up has it
            Signups(codes: codes, keys: [1, 2, 3, 4]).PublicDigest(),               // keys present
            Signups(codes: codes, features: Features(max: 3)).PublicDigest(),       // a maximum quota
            Signups(codes: codes, features: With(f => [new Feature("gender", [new FeatureValue("female", 0, 2), new FeatureValue("male", 1, 2)]), f[1]])).PublicDigest(),  // a minimum quota
            Signups(codes: codes, features: With(f => [new Feature("sex", f[0].Values), f[1]])).PublicDigest(),               // a feature name
            Signups(codes: codes, features: With(f => [new Feature("gender", [new FeatureValue("woman", 1, 2), new FeatureValue("male", 1, 2)]), f[1]])).PublicDigest(),   // a value name
            Signups(codes: codes, features: With(f => [f[1], f[0]])).PublicDigest(),                                          // feature order
        ];
        Assert.All(others, d => Assert.NotEqual(baseline, d));
        Assert.Equal(others.Length, others.Select(Convert.ToHexString).Distinct().Count());

        // Boundaries count: ids ("ab", "c") with no codes are not ("a", "bc").
        Assert.NotEqual(Signups(ids: ["ab", "c"]).PublicDigest(), Signups(ids: ["a", "bc"]).PublicDigest());

        // The same numbers spread differently over minima and maxima give another digest.
        Feature[] lowHigh = [new Feature("gender", [new FeatureValue("female", 1, 2), new FeatureValue("male", 1, 2)]), Features()[1]];
        Feature[] highLow = [new Feature("gender", [new FeatureValue("female", 2, 2), new FeatureValue("male", 1, 1)]), Features()[1]];
        Assert.NotEqual(Signups(features: lowHigh).PublicDigest(), Signups(features: highLow).PublicDigest());
    }

    [Fact]
    public void TheSignupDigestFollowsItsPinnedEncoding()
    {
        static byte[] Expected(bool keys, string[] ids, string?[] codes, Feature[] features)
        {
            var b = new List<byte>();
            void Text(string? s)
            {
                byte[] bytes = s is null ? [0] : Encoding.UTF8.GetBytes(s);
                var x = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(x, s is null ? -1 : bytes.Length);
                b.AddRange(x);
                b.AddRange(bytes);
            }

            Text("MpcSortition.signups.v1");
            Text(keys ? "keys" : "no-keys");
            for (int j = 0; j < ids.Length; j++)
            {
                Text(ids[j]);
                Text(codes[j]);
            }

            foreach (Feature f in features)
            {
                Text(f.Name);
                foreach (FeatureValue v in f.Values)
                {
                    Text(v.Name + "\n" + v.Min.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + v.Max.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return SHA256.HashData(b.ToArray());
        }

        string[] ids = ["p", "Größe"];
        string?[] codes = [Hash(0), null];
        Assert.Equal(Expected(false, ids, codes, Features()), Signups(ids: ids, codes: codes).PublicDigest());
        Assert.Equal(Expected(true, ids, codes, Features(max: 4)), Signups(ids: ids, codes: codes, features: Features(max: 4), keys: [1, 2, 3, 4]).PublicDigest());
    }
}
