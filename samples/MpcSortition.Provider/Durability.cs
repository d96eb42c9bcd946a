using Microsoft.Data.Sqlite;

namespace MpcSortition.Provider;

/// <summary>The <c>check-acked</c> verb: compares an acknowledgement file (from <c>bench --acked</c>) with the database.</summary>
internal static class Durability
{
    public static int CheckAcked(string databasePath, string ackedPath)
    {
        var acked = File.ReadLines(ackedPath).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToList();
        using var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        var stored = new Dictionary<(string, string), string>();
        int malformed = 0;
        using (SqliteCommand c = db.CreateCommand())
        {
            c.CommandText = "SELECT code_hash, submission_id, stored_sha256, length(row), length(contact) FROM submissions";
            using SqliteDataReader r = c.ExecuteReader();
            while (r.Read())
            {
                stored[(r.GetString(0), r.GetString(1))] = r.GetString(2);
                if (r.GetInt64(3) == 0 || r.GetInt64(4) == 0)
                {
                    malformed++;
                }
            }
        }

        int lost = acked.Count(a => !stored.TryGetValue((a[0], a[1]), out string? d) || d != a[2]);
        Console.WriteLine($"{acked.Count} acknowledged, {stored.Count} stored, {lost} acknowledged but missing or different, {malformed} stored rows incomplete.");
        return lost == 0 && malformed == 0 ? 0 : 1;
    }
}
