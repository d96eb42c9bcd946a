namespace MpcSortition.Integration.Tests;

/// <summary>The quick-start pool the integration tests use.</summary>
internal static class Repository
{
    internal static string People => Path.Combine(AppContext.BaseDirectory, "Data", "quickstart_candidates.csv");

    internal static string Quotas => Path.Combine(AppContext.BaseDirectory, "Data", "quickstart_features.csv");
}
