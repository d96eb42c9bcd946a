using System.Text.Json;
using MpcSortition.Protocols;

namespace MpcSortition.Samples;

/// <summary>
/// Compiled into both HTTPS services of the samples: the <c>"engine"</c> setting of a service's configuration (which
/// black box its MPC runs on), how it is written in the configuration and in the messages the three services exchange,
/// and the refusal when a peer runs another engine.
/// </summary>
internal static class EngineSetting
{
    /// <summary>The configuration field.</summary>
    public const string Field = "engine";

    /// <summary>Without the field: the library's default engine for a provider run
    /// (<see cref="Selection.Providers.ProviderRunOptions.Engine"/>), replicated, chosen by measurement (docs/benchmarks.md,
    /// issue 14).</summary>
    public static BlackBoxEngine Default => new Selection.Providers.ProviderRunOptions().Engine;

    /// <summary>"beaver" or "replicated", as the configuration and the exchanged messages spell it.</summary>
    public static string Name(BlackBoxEngine engine) => engine == BlackBoxEngine.Beaver ? "beaver" : "replicated";

    /// <summary>Reads <c>"engine"</c> from a configuration's root object: absent or null gives <see cref="Default"/>;
    /// anything but "beaver" or "replicated" is refused with the exception <paramref name="error"/> makes from a message
    /// that names the file and the field.</summary>
    public static BlackBoxEngine Read(JsonElement root, string path, Func<string, Exception> error)
    {
        if (!root.TryGetProperty(Field, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return Default;
        }

        string? text = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (text is null || !BlackBoxEngines.TryParse(text, out BlackBoxEngine engine))
        {
            string got = text is null ? e.ValueKind.ToString().ToLowerInvariant() : $"'{Printable(text)}'";
            throw error($"{path}: \"{Field}\" must be \"beaver\" or \"replicated\" (got {got}); leave it out for the default, {Name(Default)}.");
        }

        return engine;
    }

    /// <summary>The sentence for a peer whose message names another engine than this service's (or none).</summary>
    /// <param name="peerName">How the service calls its peer ("Provider 2", "Counter 1").</param>
    /// <param name="self">How the service calls itself ("this provider", "this counter").</param>
    /// <param name="theirs">The engine the peer named, as it wrote it (null: it named none).</param>
    /// <param name="mine">This service's engine.</param>
    /// <param name="services">The three services, for the advice ("providers", "counters").</param>
    public static string Mismatch(string peerName, string self, string? theirs, BlackBoxEngine mine, string services) =>
        $"{peerName} runs the {(theirs is null ? "(unnamed)" : Printable(theirs))} engine, {self} the {Name(mine)} engine: all three {services} must set the same \"{Field}\" in their configuration (leaving it out means {Name(Default)}).";

    private static string Printable(string text)
    {
        string clean = new([.. text.Where(c => !char.IsControl(c))]);
        return clean.Length > 40 ? clean[..40] + "…" : clean;
    }
}
