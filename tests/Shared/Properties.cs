using FsCheck;
using FsCheck.Fluent;

namespace MpcSortition.Tests.Shared;

/// <summary>Shared FsCheck set-up: full-range uint generators (FsCheck's default stays near 0).</summary>
internal static class Properties
{
    internal static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(200);

    /// <summary>Arbitrary uint over the whole range.</summary>
    internal static Arbitrary<uint> AnyUInt { get; } =
        ArbMap.Default.ArbFor<DoNotSize<uint>>().Convert(d => d.Item, u => DoNotSize<uint>.NewDoNotSize(u));

    /// <summary>Arbitrary uint arrays over the whole range, lengths as FsCheck sizes them.</summary>
    internal static Arbitrary<uint[]> AnyUInts { get; } =
        ArbMap.Default.ArbFor<DoNotSize<uint>[]>().Convert(a => Array.ConvertAll(a, d => d.Item), a => Array.ConvertAll(a, DoNotSize<uint>.NewDoNotSize));

    internal static void Check(Property property) => FsCheck.Check.One(Config, property);
}
