using MpcSortition.Core;

namespace MpcSortition.Protocols;

/// <summary>The one check that a handle belongs to the party of the black box it is given to, for every engine and for
/// the local operations.</summary>
internal static class HandleCheck
{
    /// <summary>Returns <paramref name="x"/> when it holds party <paramref name="party"/>'s shares; otherwise throws naming
    /// <paramref name="paramName"/>.</summary>
    internal static ShareVector Mine(int party, ShareVector x, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.PartyIndex != party)
        {
            Foreign(x.PartyIndex, party, paramName);
        }

        return x;
    }

    /// <summary>Returns <paramref name="x"/> when it holds party <paramref name="party"/>'s shares; otherwise throws naming
    /// <paramref name="paramName"/>.</summary>
    internal static BitShareVector Mine(int party, BitShareVector x, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.PartyIndex != party)
        {
            Foreign(x.PartyIndex, party, paramName);
        }

        return x;
    }

    private static void Foreign(int holder, int party, string paramName) =>
        throw new ArgumentException($"This handle holds party {holder}'s shares; this black box is party {party}.", paramName);
}
