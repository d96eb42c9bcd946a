using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Selection.Records;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Selection.Tests.Records;

/// <summary>Laws of the person-key normalisation and sharing, on generated names and addresses (Latin letters with and
/// without accents, digits, punctuation, white space).</summary>
public sealed class PersonKeyPropertyTests
{
    private static readonly byte[] Salt = Enumerable.Range(7, 16).Select(i => (byte)i).ToArray();

    private static readonly Arbitrary<string> Texts = Arb.From(
        Gen.ArrayOf(Gen.Elements("abcxyzAZéÉüÜñÑøØßçÇåÅœæ0123456789 -,.'/\t".ToCharArray())).Select(chars => new string(chars)));

    [Fact]
    public void NormalisationIsIdempotentAndYieldsLowerCaseAsciiWords() =>
        Properties.Check(Prop.ForAll(Texts, text =>
        {
            string once = PersonKey.Normalise(text);
            return once == PersonKey.Normalise(once)
                && once.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or ' ')
                && !once.Contains("  ", StringComparison.Ordinal) && once == once.Trim();
        }));

    [Fact]
    public void NormalisationIgnoresCaseAndExtraWhiteSpace() =>
        Properties.Check(Prop.ForAll(Texts, text =>
            PersonKey.Normalise(text.ToUpperInvariant()) == PersonKey.Normalise(text)
            && PersonKey.Normalise("  " + text.Replace(" ", " \t ", StringComparison.Ordinal) + " ") == PersonKey.Normalise(text)));

    [Fact]
    public void SharesReconstructTheKeyAndTheKeyFollowsTheNormalForm() =>
        Properties.Check(Prop.ForAll(Texts, Texts, (name, address) =>
        {
            string n = "n" + name, a = "a" + address;       // never empty after normalisation
            ulong key = PersonKey.Compute(Salt, n, a);
            uint[][] shares = PersonKey.Share(Salt, n, a);
            (uint high, uint low) = PersonKey.Words(key);
            return shares[0][0] + shares[1][0] + shares[2][0] == high
                && shares[0][1] + shares[1][1] + shares[2][1] == low
                && key == PersonKey.Compute(Salt, PersonKey.Normalise(n).ToUpperInvariant(), PersonKey.Normalise(a));
        }));
}
