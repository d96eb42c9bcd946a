using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace MpcSortition.Ballot;

internal enum StoreOutcome
{
    Stored,
    AlreadyStored,
    Conflict,
    Closed,
}

/// <summary>One stored ballot part as the counter holds it (what the count reads).</summary>
internal sealed record StoredBallot(long Sequence, string CodeHash, string SubmissionId, string CommitDigest, ShareColumn Own, ShareColumn Previous, string[] Commitments, bool Current);

/// <summary>
/// A counter's SQLite database: WAL journal with synchronous=FULL (a commit that returned survives a crash), created
/// owner-only (0600), one writer. Group commit: writes that arrive while a transaction is being committed go into the
/// next transaction together, each in its own savepoint, and each caller is answered only after the transaction holding
/// its write committed. A voter's earlier ballots stay as history (current = 0): the latest one counts.
/// </summary>
internal sealed class BallotStore : IAsyncDisposable
{
    private readonly SqliteConnection _db;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private int _current;
    private bool _closed;

    private BallotStore(SqliteConnection db)
    {
        _db = db;
        _writer = Task.Run(WriterLoop);
    }

    public int CurrentCount => Volatile.Read(ref _current);

    public bool IsClosed => Volatile.Read(ref _closed);

    private long _commits;

    /// <summary>Transactions committed (one fsync each), for the group-commit figure.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public static BallotStore Open(string path, string roundHash)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
        {
            Selection.Providers.OwnerOnlyFile.CreateDirectory(dir);
        }

        if (!File.Exists(full))
        {
            var o = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                o.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            new FileStream(full, o).Dispose();
        }

        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        db.Open();
        Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Exec(db, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS ballots(
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              code_hash TEXT NOT NULL,
              submission_id TEXT NOT NULL,
              commit_digest TEXT NOT NULL,
              own BLOB NOT NULL, own_nonce BLOB NOT NULL,
              prev BLOB NOT NULL, prev_nonce BLOB NOT NULL,
              commitments BLOB NOT NULL,
              stored_sha256 TEXT NOT NULL,
              received_utc TEXT NOT NULL,
              receipt BLOB NOT NULL,
              current INTEGER NOT NULL,
              UNIQUE(code_hash, submission_id));
            CREATE TABLE IF NOT EXISTS withdrawals(code_hash TEXT NOT NULL, withdrawn_utc TEXT NOT NULL);
            """);
        string? stored = Scalar(db, "SELECT value FROM meta WHERE key = 'round_hash'") as string;
        if (stored is null)
        {
            using SqliteCommand insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO meta(key, value) VALUES ('round_hash', $v)";
            insert.Parameters.AddWithValue("$v", roundHash);
            insert.ExecuteNonQuery();
        }
        else if (stored != roundHash)
        {
            db.Dispose();
            throw new BallotFileException($"{path}: this database belongs to another ballot round (hash {stored[..16]}…, the configured round has {roundHash[..16]}…).");
        }

        var store = new BallotStore(db);
        store._closed = Scalar(db, "SELECT value FROM meta WHERE key = 'closed'") is not null;
        store._current = Convert.ToInt32(Scalar(db, "SELECT COUNT(*) FROM ballots WHERE current = 1"), CultureInfo.InvariantCulture);
        return store;
    }

    /// <summary>Stores a ballot part (or returns the stored receipt of the same part), durably, before answering.</summary>
    public Task<(StoreOutcome Outcome, byte[]? Receipt)> SubmitAsync(BallotPart part, string codeHash, string storedSha256, byte[] receipt, DateTimeOffset now, DateTimeOffset deadline) =>
        Enqueue<(StoreOutcome, byte[]?)>(db =>
        {
            if (_closed || now > deadline)
            {
                return ((StoreOutcome.Closed, null), 0);
            }

            using (SqliteCommand q = db.CreateCommand())
            {
                q.CommandText = "SELECT stored_sha256, receipt FROM ballots WHERE code_hash = $c AND submission_id = $s";
                q.Parameters.AddWithValue("$c", codeHash);
                q.Parameters.AddWithValue("$s", part.SubmissionId);
                using SqliteDataReader r = q.ExecuteReader();
                if (r.Read())
                {
                    return r.GetString(0) == storedSha256 ? ((StoreOutcome.AlreadyStored, (byte[])r[1]), 0) : ((StoreOutcome.Conflict, null), 0);
                }
            }

            int hadCurrent;
            using (SqliteCommand u = db.CreateCommand())
            {
                u.CommandText = "UPDATE ballots SET current = 0 WHERE code_hash = $c AND current = 1";
                u.Parameters.AddWithValue("$c", codeHash);
                hadCurrent = u.ExecuteNonQuery();
            }

            using (SqliteCommand i = db.CreateCommand())
            {
                i.CommandText = """
                    INSERT INTO ballots(code_hash, submission_id, commit_digest, own, own_nonce, prev, prev_nonce, commitments, stored_sha256, received_utc, receipt, current)
                    VALUES ($c, $s, $d, $o, $on, $p, $pn, $cm, $h, $t, $r, 1)
                    """;
                i.Parameters.AddWithValue("$c", codeHash);
                i.Parameters.AddWithValue("$s", part.SubmissionId);
                i.Parameters.AddWithValue("$d", part.CommitDigest);
                i.Parameters.AddWithValue("$o", BallotPart.SharesBytes(part.Own.Shares));
                i.Parameters.AddWithValue("$on", part.Own.Nonce);
                i.Parameters.AddWithValue("$p", BallotPart.SharesBytes(part.Previous.Shares));
                i.Parameters.AddWithValue("$pn", part.Previous.Nonce);
                i.Parameters.AddWithValue("$cm", part.Commitments.SelectMany(Convert.FromHexString).ToArray());
                i.Parameters.AddWithValue("$h", storedSha256);
                i.Parameters.AddWithValue("$t", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                i.Parameters.AddWithValue("$r", receipt);
                i.ExecuteNonQuery();
            }

            return ((StoreOutcome.Stored, receipt), hadCurrent == 0 ? 1 : 0);
        });

    /// <summary>Deletes every ballot this counter holds for the code (withdrawing = abstaining); keeps a record without data.</summary>
    public Task<(StoreOutcome Outcome, int Deleted)> WithdrawAsync(string codeHash, DateTimeOffset now, DateTimeOffset deadline) =>
        Enqueue<(StoreOutcome, int)>(db =>
        {
            if (_closed || now > deadline)
            {
                return ((StoreOutcome.Closed, 0), 0);
            }

            int current;
            int deleted;
            using (SqliteCommand q = db.CreateCommand())
            {
                q.CommandText = "SELECT COUNT(*) FROM ballots WHERE code_hash = $c AND current = 1";
                q.Parameters.AddWithValue("$c", codeHash);
                current = Convert.ToInt32(q.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            using (SqliteCommand d = db.CreateCommand())
            {
                d.CommandText = "DELETE FROM ballots WHERE code_hash = $c";
                d.Parameters.AddWithValue("$c", codeHash);
                deleted = d.ExecuteNonQuery();
            }

            if (deleted > 0)
            {
                using SqliteCommand w = db.CreateCommand();
                w.CommandText = "INSERT INTO withdrawals(code_hash, withdrawn_utc) VALUES ($c, $t)";
                w.Parameters.AddWithValue("$c", codeHash);
                w.Parameters.AddWithValue("$t", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                w.ExecuteNonQuery();
            }

            return ((deleted > 0 ? StoreOutcome.Stored : StoreOutcome.AlreadyStored, deleted), -current);
        });

    /// <summary>Closes the round durably: nothing is stored after this returned.</summary>
    public Task CloseAsync() => Enqueue<bool>(db =>
    {
        Exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('closed', 'yes')");
        return (true, 0);
    }, onCommit: () => Volatile.Write(ref _closed, true));

    /// <summary>Every stored ballot part in arrival order (history and current).</summary>
    public Task<List<StoredBallot>> ReadAllAsync() => Enqueue(db =>
    {
        var list = new List<StoredBallot>();
        using SqliteCommand q = db.CreateCommand();
        q.CommandText = "SELECT seq, code_hash, submission_id, commit_digest, own, own_nonce, prev, prev_nonce, commitments, current FROM ballots ORDER BY seq";
        using SqliteDataReader r = q.ExecuteReader();
        while (r.Read())
        {
            byte[] cm = (byte[])r[8];
            string[] commitments = [.. Enumerable.Range(0, 3).Select(j => Convert.ToHexStringLower(cm.AsSpan(j * ShareCommitment.Bytes, ShareCommitment.Bytes)))];
            list.Add(new StoredBallot(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
                new ShareColumn(-1, BallotPart.SharesFromBytes((byte[])r[4]), (byte[])r[5]), new ShareColumn(-1, BallotPart.SharesFromBytes((byte[])r[6]), (byte[])r[7]),
                commitments, r.GetInt64(9) == 1));
        }

        return (list, 0);
    });

    private sealed record Write(Func<SqliteConnection, Action> Run, Action<Exception> Fail);

    private Task<T> Enqueue<T>(Func<SqliteConnection, (T Result, int CurrentDelta)> write, Action? onCommit = null)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var op = new Write(db =>
        {
            (T result, int delta) = write(db);
            return () =>
            {
                Interlocked.Add(ref _current, delta);
                onCommit?.Invoke();
                tcs.SetResult(result);
            };
        }, e => tcs.TrySetException(e));
        if (!_writes.Writer.TryWrite(op))
        {
            tcs.SetException(new ObjectDisposedException(nameof(BallotStore)));
        }

        return tcs.Task;
    }

    private async Task WriterLoop()
    {
        var batch = new List<Write>();
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 512 && _writes.Reader.TryRead(out Write? op))
            {
                batch.Add(op);
            }

            var done = new List<Action>(batch.Count);
            try
            {
                Exec(_db, "BEGIN IMMEDIATE");
                foreach (Write w in batch)
                {
                    Exec(_db, "SAVEPOINT one");
                    try
                    {
                        done.Add(w.Run(_db));
                        Exec(_db, "RELEASE one");
                    }
                    catch (SqliteException e)
                    {
                        Exec(_db, "ROLLBACK TO one; RELEASE one");
                        w.Fail(new IOException("The ballot database refused a write.", e));
                    }
                }

                Exec(_db, "COMMIT");
                Interlocked.Increment(ref _commits);
            }
            catch (SqliteException e)
            {
                try
                {
                    Exec(_db, "ROLLBACK");
                }
                catch (SqliteException)
                {
                    // Nothing to roll back.
                }

                foreach (Write w in batch)
                {
                    w.Fail(new IOException("The ballot database could not commit.", e));
                }

                continue;
            }

            foreach (Action a in done)
            {
                a();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _db.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = sql;
        return c.ExecuteScalar();
    }
}
