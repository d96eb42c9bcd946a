using System.Globalization;
using System.Text;
using MpcSortition.Core;
using MpcSortition.Protocols;
using MpcSortition.Selection.Intake;
using MpcSortition.Selection.Providers;
using MpcSortition.Selection.Records;
using MpcSortition.Selection.Verification;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>
/// A generated town for Design 2: citizens with names, addresses, invitation codes, incomes and a second attribute; the
/// tax office's CSV (some citizens have no record); sign-ups (some without a code, spelled differently from the tax
/// office's file), their self-reported answers and the three providers' shares. Deterministic for a seed except the
/// invitation codes (random, as in a real round; nothing depends on their values).
/// </summary>
internal sealed class Town
{
    internal static readonly Feature[] SignupFeatures =
    [
        new("gender", [new FeatureValue("female", 6, 14), new FeatureValue("male", 6, 14)]),
        new("age", [new FeatureValue("young", 3, 10), new FeatureValue("middle", 3, 10), new FeatureValue("old", 3, 10)]),
    ];

    private static readonly string[] First = ["Zoë", "José", "Anna", "Jürgen", "Søren", "Chloé", "Mark", "Ina", "Björn", "Renée", "Łukasz", "Ayşe"];
    private static readonly string[] Last = ["Müller", "García", "Smith", "O'Neil", "Weiß", "Nowak", "Dubois", "Jansen", "Öztürk", "Núñez"];
    private static readonly string[] Streets = ["Hauptstraße", "Mill Lane", "Rue de l'Église", "Church Road", "Am Bächle", "Kirkegårdsvej", "Station Road"];

    internal Town(int citizens, int signups, int withoutCode, ulong seed, int withoutRecordPercent = 3)
    {
        var rng = new SplitMix(seed);
        RoundId = new byte[16];
        Salt = new byte[16];
        for (int i = 0; i < 16; i++)
        {
            RoundId[i] = (byte)rng.Next(256);
            Salt[i] = (byte)rng.Next(256);
        }

        for (int i = 0; i < citizens; i++)
        {
            string name = $"{First[rng.Next(First.Length)]} {Last[rng.Next(Last.Length)]}";
            string letter = (i % 5) switch { 0 => "a", 1 => "B", _ => string.Empty };
            string address = $"{Streets[i % Streets.Length]} {(i / Streets.Length) + 1}{letter}, 79100 Freiburg";
            Citizens.Add(new Citizen(name, address, InvitationCode.Generate(), (uint)rng.Next(150_000), (uint)rng.Next(5), rng.Next(100) >= withoutRecordPercent));
        }

        // Sign-ups: distinct citizens; the first `withoutCode` positions (after a shuffle) carry no code.
        int[] order = Enumerable.Range(0, citizens).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        bool[] noCode = new bool[signups];
        for (int j = 0; j < withoutCode; j++)
        {
            noCode[j] = true;
        }

        for (int i = signups - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (noCode[i], noCode[j]) = (noCode[j], noCode[i]);
        }

        for (int j = 0; j < signups; j++)
        {
            Citizen c = Citizens[order[j]];
            string[] answers = [SignupFeatures[0].Values[rng.Next(2)].Name, SignupFeatures[1].Values[rng.Next(3)].Name];
            (string name, string address) = Respell(c.Name, c.Address, rng.Next(4));
            Signups.Add(new Signup($"s{j}", noCode[j] ? null : c.Code, name, address, answers, order[j]));
        }
    }

    internal byte[] RoundId { get; }

    internal byte[] Salt { get; }

    internal List<Citizen> Citizens { get; } = [];

    internal List<Signup> Signups { get; } = [];

    internal string RecordsCsv()
    {
        var csv = new StringBuilder("code,name,address,income,children\n");
        foreach (Citizen c in Citizens.Where(c => c.HasRecord))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{InvitationCode.Format(c.Code)},\"{c.Name}\",\"{c.Address}\",{c.Income},{c.Children}\n");
        }

        return csv.ToString();
    }

    internal TaxRecords Records() => TaxRecords.Parse(new StringReader(RecordsCsv()), "records.csv", RoundId, Salt);

    internal string? CodeHash(Signup s) => s.Code is null ? null : InvitationCode.Hash(Salt, s.Code);

    /// <summary>Each provider's view of the sign-ups (rows from the contributor encoding, keys from PersonKey.Share).</summary>
    internal SignupShares[] SignupShares()
    {
        uint[][] rows = ContributorEncoding.ShareRows(SignupFeatures, Signups.Select(s => (IReadOnlyList<string>)s.Answers));
        var keys = new uint[3][];
        for (int p = 0; p < 3; p++)
        {
            keys[p] = new uint[2 * Signups.Count];
        }

        for (int j = 0; j < Signups.Count; j++)
        {
            uint[][] k = PersonKey.Share(Salt, Signups[j].Name, Signups[j].Address);
            for (int p = 0; p < 3; p++)
            {
                k[p].CopyTo(keys[p], 2 * j);
            }
        }

        return Enumerable.Range(0, 3).Select(p => new SignupShares(Signups.Select(s => s.Id), Signups.Select(CodeHash), SignupFeatures, rows[p], keys[p])).ToArray();
    }

    /// <summary>The plaintext join: per sign-up the matched record index, or −1 for "unknown".</summary>
    internal int[] ReferenceJoin(TaxRecords records, RecordMatching matching)
    {
        var result = new int[Signups.Count];
        for (int j = 0; j < Signups.Count; j++)
        {
            result[j] = -1;
            string? hash = CodeHash(Signups[j]);
            if (matching != RecordMatching.PersonKey && hash is not null)
            {
                int[] byCode = Enumerable.Range(0, records.Count).Where(i => records.CodeHashOf(i) == hash).ToArray();
                if (byCode.Length == 1)
                {
                    result[j] = byCode[0];
                    continue;
                }
            }

            if (matching != RecordMatching.Code)
            {
                ulong key = PersonKey.Compute(Salt, Signups[j].Name, Signups[j].Address);
                int[] byKey = Enumerable.Range(0, records.Count).Where(i => records.PersonKeyOf(i) == key).ToArray();
                result[j] = byKey.Length == 1 ? byKey[0] : -1;
            }
        }

        return result;
    }

    /// <summary>The plaintext problem on the joined data: sign-up answers plus the band value of each banded attribute.</summary>
    internal SelectionProblem ReferenceProblem(TaxRecords records, int[] joined, IReadOnlyList<AttributeBands> bands, int k)
    {
        var candidates = new List<Candidate>();
        for (int j = 0; j < Signups.Count; j++)
        {
            var values = new List<string>(Signups[j].Answers);
            foreach (AttributeBands band in bands)
            {
                int attribute = records.AttributeNames.ToList().IndexOf(band.Attribute);
                int value = joined[j] < 0 ? band.BandCount : band.BandOf(records.ValueOf(joined[j], attribute));
                values.Add(band.Feature.Values[value].Name);
            }

            candidates.Add(new Candidate(Signups[j].Id, values));
        }

        return new SelectionProblem([.. SignupFeatures, .. bands.Select(b => b.Feature)], candidates, k);
    }

    /// <summary>Three providers in one process, one session each (TranscriptTransport as in a real provider), the join
    /// and the selection with a public tape; per provider the result, its audit trail and its trace up to the end of the join.</summary>
    internal async Task<(RecordSelectionResult Result, AuditEntry[] Audit, TraceEntry[] JoinTrace)[]> SelectAsync(RecordShares[] parts, SignupShares[] signups, RecordJoinOptions join, int k, byte[] seed, BlackBoxEngine engine = BlackBoxEngine.Replicated)
    {
        ITransport[] transports = InMemoryNetwork.Create(3, TimeSpan.FromMinutes(5));
        byte[] commitment = RoundDefinition.CommitSeed(RoundId, seed);
        return await Task.WhenAll(transports.Select(plain => Task.Run(async () =>
        {
            var t = new TranscriptTransport(plain);
            await using IArithmeticBlackBox abb = await BlackBoxEngines.CreateAsync(t, engine);
            int me = abb.PartyIndex;
            var trace = new TraceCut();
            RecordSelectionResult result = await RecordSelection.RunInSessionAsync(t, abb, RoundId, signups[me], parts[me], k, join,
                new ProviderRunOptions { PublicSeed = seed, Progress = trace.At(abb) }, commitment);
            return (result, abb.Audit.Entries.ToArray(), trace.Entries ?? []);
        })));
    }

    /// <summary>Cuts the trace when the provider run reports its agreement (the join is over by then).</summary>
    private sealed class TraceCut
    {
        internal TraceEntry[]? Entries { get; private set; }

        internal IProgress<ProviderProgress> At(IArithmeticBlackBox abb) => new Sync(p =>
        {
            if (p.Stage == ProviderStage.Agreed && Entries is null)
            {
                Entries = abb.Trace.Entries.ToArray();
            }
        });

        private sealed class Sync(Action<ProviderProgress> action) : IProgress<ProviderProgress>
        {
            public void Report(ProviderProgress value) => action(value);
        }
    }

    /// <summary>Respells a name and address the way a volunteer might type them (case, accents, spaces, house numbers).</summary>
    private static (string Name, string Address) Respell(string name, string address, int style)
    {
        static string Plain(string s) => s.Replace("ë", "e").Replace("é", "e").Replace("ü", "u").Replace("Ü", "U").Replace("ß", "ss").Replace("ø", "o")
            .Replace("å", "a").Replace("ä", "a").Replace("ö", "o").Replace("Ö", "O").Replace("ñ", "n").Replace("ú", "u").Replace("Ł", "L").Replace("ş", "s").Replace("Ş", "S");
        return style switch
        {
            0 => (name, address),
            1 => (name.ToUpperInvariant(), "  " + address.ToLowerInvariant().Replace(",", " ,") + " "),
            2 => (Plain(name), Plain(HouseLetterSpaced(address, "-"))),
            _ => (name.Replace(" ", "   "), HouseLetterSpaced(address, " ").ToUpperInvariant()),
        };
    }

    /// <summary>"12a" → "12-a" or "12 a".</summary>
    private static string HouseLetterSpaced(string address, string separator)
    {
        var s = new StringBuilder();
        for (int i = 0; i < address.Length; i++)
        {
            s.Append(address[i]);
            if (char.IsDigit(address[i]) && i + 1 < address.Length && char.IsLetter(address[i + 1]) && (i + 2 == address.Length || !char.IsLetter(address[i + 2])))
            {
                s.Append(separator);
            }
        }

        return s.ToString();
    }

    internal sealed record Citizen(string Name, string Address, string Code, uint Income, uint Children, bool HasRecord);

    internal sealed record Signup(string Id, string? Code, string Name, string Address, string[] Answers, int Citizen);

    /// <summary>SplitMix64: a deterministic test generator (System.Random is banned in this repository).</summary>
    internal sealed class SplitMix(ulong state)
    {
        private ulong _state = state;

        internal int Next(int bound)
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z % (ulong)bound);
        }
    }
}
