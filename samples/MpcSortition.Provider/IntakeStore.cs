using System.Globalization;
using Microsoft.Data.Sqlite;
using MpcSortition.Selection.Intake;

namespace MpcSortition.Provider;

/// <summary>What happened to a submission.</summary>
internal enum StoreOutcome
{
    Stored,
    AlreadyStored,
    Conflict,
    Closed,
}

/// <summary>
/// The provider's SQLite database. WAL journal, synchronous=FULL (the WAL is fsynced at every commit, so a commit that
/// returned survives a crash of the process or the machine), one transaction per submission or withdrawal, one writer
/// connection (SQLite has one writer anyway). Nothing is acknowledged before its transaction committed.
/// </summary>
internal sealed class IntakeStore : IAsyncDisposable
{
    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private int _current;
    private bool _closed;

    private IntakeStore(SqliteConnection db)
    {
        _db = db;
    }

    public int CurrentCount => Volatile.Read(ref _current);

    public bool IsClosed => Volatile.Read(ref _closed);

    public static IntakeStore Open(string path, string roundHash)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
        {
            FileModes.CreateDirectory(dir);
        }

        if (!File.Exists(path))
        {
            FileModes.CreateOwnerOnly(path).Dispose();
        }

        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        db.Open();
        Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        Exec(db, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS submissions(
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              code_hash TEXT NOT NULL,
              submission_id TEXT NOT NULL,
              row BLOB NOT NULL,
              contact BLOB NOT NULL,
              stored_sha256 TEXT NOT NULL,
              received_utc TEXT NOT NULL,
              receipt BLOB NOT NULL,
              current INTEGER NOT NULL,
              UNIQUE(code_hash, submission_id));
            CREATE INDEX IF NOT EXISTS current_by_code ON submissions(code_hash) WHERE current = 1;
            CREATE TABLE IF NOT EXISTS withdrawals(code_hash TEXT NOT NULL, withdrawn_utc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS pool(position INTEGER PRIMARY KEY, code_hash TEXT NOT NULL, submission_id TEXT NOT NULL);
            """);
        var store = new IntakeStore(db);
        string? stored = store.Meta("round_hash");
        if (stored is null)
        {
            Exec(db, "INSERT INTO meta(key, value) VALUES ('round_hash', $v)", ("$v", roundHash));
        }
        else if (stored != roundHash)
        {
            db.Dispose();
            throw new ConfigException($"{path}: this database belongs to another round definition (hash {stored[..16]}…, the configured round has {roundHash[..16]}…).");
        }

        store._current = Convert.ToInt32(Scalar(db, "SELECT COUNT(*) FROM submissions WHERE current = 1"), CultureInfo.InvariantCulture);
        store._closed = store.Meta("closed") is not null;
        store._loop = Task.Run(store.WriterLoopAsync);
        return store;
    }

    /// <summary>
    /// Stores one submission; completes only after the transaction that holds it committed (fsynced). Submissions that
    /// arrive while a commit is in progress are written together in the next commit (group commit): each is its own
    /// savepoint inside it, so each is stored whole or not at all, and none is acknowledged before the commit returned.
    /// </summary>
    public Task<(StoreOutcome Outcome, byte[]? Receipt)> SubmitAsync(Submission s, string codeHash, byte[] receipt, DateTimeOffset now, DateTimeOffset deadline)
    {
        var pending = new Pending(s, codeHash, s.StoredDigest(codeHash), receipt, now, deadline);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(IntakeStore));
        }

        return pending.Done.Task;
    }

    private sealed record Pending(Submission S, string CodeHash, string Digest, byte[] Receipt, DateTimeOffset Now, DateTimeOffset Deadline)
    {
        public TaskCompletionSource<(StoreOutcome, byte[]?)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly System.Threading.Channels.Channel<Pending> _queue = System.Threading.Channels.Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private Task? _loop;

    private async Task WriterLoopAsync()
    {
        var batch = new List<Pending>(256);
        var results = new List<(StoreOutcome, byte[]?, Exception?)>(256);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 512 && _queue.Reader.TryRead(out Pending? p))
            {
                batch.Add(p);
            }

            await _writer.WaitAsync().ConfigureAwait(false);
            int delta = 0;
            results.Clear();
            try
            {
                using (SqliteTransaction tx = _db.BeginTransaction())
                {
                    foreach (Pending p in batch)
                    {
                        try
                        {
                            (StoreOutcome outcome, byte[]? receipt, int change) = StoreOne(p, tx);
                            results.Add((outcome, receipt, null));
                            delta += change;
                        }
                        catch (SqliteException e)
                        {
                            // This submission's savepoint was rolled back; the others in the batch go on.
                            results.Add((StoreOutcome.Closed, null, e));
                        }
                    }

                    tx.Commit();
                }

                _current += delta;
                for (int i = 0; i < batch.Count; i++)
                {
                    if (results[i].Item3 is { } failure)
                    {
                        batch[i].Done.SetException(failure);
                    }
                    else
                    {
                        batch[i].Done.SetResult((results[i].Item1, results[i].Item2));
                    }
                }
            }
            catch (Exception e)
            {
                foreach (Pending p in batch)
                {
                    p.Done.TrySetException(e);
                }
            }
            finally
            {
                _writer.Release();
            }
        }
    }

    private SqliteCommand? _find, _supersede, _insert, _savepoint, _release, _rollback;

    /// <summary>The hot path's statements, prepared once and reused for every submission (only the writer loop uses them).</summary>
    private SqliteCommand Prepared(ref SqliteCommand? slot, string sql, SqliteTransaction tx, params string[] names)
    {
        if (slot is null)
        {
            slot = _db.CreateCommand();
            slot.CommandText = sql;
            foreach (string n in names)
            {
                slot.Parameters.Add(new SqliteParameter { ParameterName = n });
            }
        }

        slot.Transaction = tx;
        return slot;
    }

    private (StoreOutcome, byte[]?, int) StoreOne(Pending p, SqliteTransaction tx)
    {
        if (_closed || p.Now > p.Deadline)
        {
            return (StoreOutcome.Closed, null, 0);
        }

        SqliteCommand find = Prepared(ref _find, "SELECT stored_sha256, receipt FROM submissions WHERE code_hash = $c AND submission_id = $s", tx, "$c", "$s");
        find.Parameters[0].Value = p.CodeHash;
        find.Parameters[1].Value = p.S.SubmissionId;
        using (SqliteDataReader r = find.ExecuteReader())
        {
            if (r.Read())
            {
                return r.GetString(0) == p.Digest ? (StoreOutcome.AlreadyStored, (byte[])r.GetValue(1), 0) : (StoreOutcome.Conflict, null, 0);
            }
        }

        Prepared(ref _savepoint, "SAVEPOINT one", tx).ExecuteNonQuery();
        try
        {
            SqliteCommand old = Prepared(ref _supersede, "UPDATE submissions SET current = 0 WHERE code_hash = $c AND current = 1", tx, "$c");
            old.Parameters[0].Value = p.CodeHash;
            int superseded = old.ExecuteNonQuery();
            SqliteCommand insert = Prepared(ref _insert,
                "INSERT INTO submissions(code_hash, submission_id, row, contact, stored_sha256, received_utc, receipt, current) VALUES ($c, $s, $r, $k, $d, $t, $g, 1)",
                tx, "$c", "$s", "$r", "$k", "$d", "$t", "$g");
            insert.Parameters[0].Value = p.CodeHash;
            insert.Parameters[1].Value = p.S.SubmissionId;
            insert.Parameters[2].Value = p.S.RowBytes();
            insert.Parameters[3].Value = p.S.Contact.ToArray();
            insert.Parameters[4].Value = p.Digest;
            insert.Parameters[5].Value = p.Now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            insert.Parameters[6].Value = p.Receipt;
            insert.ExecuteNonQuery();
            Prepared(ref _release, "RELEASE one", tx).ExecuteNonQuery();
            return (StoreOutcome.Stored, p.Receipt, 1 - superseded);
        }
        catch
        {
            Prepared(ref _rollback, "ROLLBACK TO one", tx).ExecuteNonQuery();
            Prepared(ref _release, "RELEASE one", tx).ExecuteNonQuery();
            throw;
        }
    }

    /// <summary>Deletes every share held for the code (all its history) in one transaction.</summary>
    public async Task<(StoreOutcome Outcome, int Deleted)> WithdrawAsync(string codeHash, Func<DateTimeOffset> clock, DateTimeOffset deadline)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            DateTimeOffset now = clock();
            if (_closed || now > deadline)
            {
                return (StoreOutcome.Closed, 0);
            }

            using SqliteTransaction tx = _db.BeginTransaction();
            int current, deleted;
            using (SqliteCommand count = Command("SELECT COUNT(*) FROM submissions WHERE code_hash = $c AND current = 1", tx, ("$c", codeHash)))
            {
                current = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            using (SqliteCommand delete = Command("DELETE FROM submissions WHERE code_hash = $c", tx, ("$c", codeHash)))
            {
                deleted = delete.ExecuteNonQuery();
            }

            if (deleted > 0)
            {
                using SqliteCommand record = Command("INSERT INTO withdrawals(code_hash, withdrawn_utc) VALUES ($c, $t)", tx, ("$c", codeHash), ("$t", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
                record.ExecuteNonQuery();
            }

            tx.Commit();
            _current -= current;
            return (StoreOutcome.Stored, deleted);
        }
        finally
        {
            _writer.Release();
        }
    }

    public async Task CloseAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            Exec(_db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('closed', $v)", ("$v", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
            _closed = true;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>The history (public metadata: code hash, submission id, arrival order) of every stored submission.</summary>
    public async Task<List<HistoryEntry>> HistoryAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            var list = new List<HistoryEntry>();
            using SqliteCommand c = Command("SELECT code_hash, submission_id, seq FROM submissions ORDER BY seq", null);
            using SqliteDataReader r = c.ExecuteReader();
            while (r.Read())
            {
                list.Add(new HistoryEntry(r.GetString(0), r.GetString(1), r.GetInt64(2)));
            }

            return list;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Saves the reconciled pool (order = pool order) in one transaction.</summary>
    public async Task SavePoolAsync(IReadOnlyList<HistoryEntry> rows)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            using SqliteTransaction tx = _db.BeginTransaction();
            using (SqliteCommand clear = Command("DELETE FROM pool", tx))
            {
                clear.ExecuteNonQuery();
            }

            using SqliteCommand insert = Command("INSERT INTO pool(position, code_hash, submission_id) VALUES ($p, $c, $s)", tx, ("$p", 0), ("$c", ""), ("$s", ""));
            for (int i = 0; i < rows.Count; i++)
            {
                insert.Parameters[0].Value = i;
                insert.Parameters[1].Value = rows[i].CodeHash;
                insert.Parameters[2].Value = rows[i].SubmissionId;
                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>This provider's shares of the reconciled pool, in pool order (code hash, row bytes, contact share).</summary>
    public async Task<List<(string CodeHash, string SubmissionId, byte[] Row, byte[] Contact)>> PoolSharesAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            var list = new List<(string, string, byte[], byte[])>();
            using SqliteCommand c = Command("SELECT p.code_hash, p.submission_id, s.row, s.contact FROM pool p JOIN submissions s ON s.code_hash = p.code_hash AND s.submission_id = p.submission_id ORDER BY p.position", null);
            using SqliteDataReader r = c.ExecuteReader();
            while (r.Read())
            {
                list.Add((r.GetString(0), r.GetString(1), (byte[])r.GetValue(2), (byte[])r.GetValue(3)));
            }

            return list;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>When the sign-up was closed here (the operator's close or the first select after the deadline), or null.</summary>
    public async Task<DateTimeOffset?> ClosedUtcAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            return Meta("closed") is { } v ? DateTimeOffset.Parse(v, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>The saved reconciled pool (code hash, submission id) in pool order; empty before a reconciliation.</summary>
    public async Task<List<HistoryEntry>> PoolRowsAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            var list = new List<HistoryEntry>();
            using SqliteCommand c = Command("SELECT code_hash, submission_id, position FROM pool ORDER BY position", null);
            using SqliteDataReader r = c.ExecuteReader();
            while (r.Read())
            {
                list.Add(new HistoryEntry(r.GetString(0), r.GetString(1), r.GetInt64(2)));
            }

            return list;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Records durably that the selection of this round completed.</summary>
    public async Task MarkSelectedAsync()
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            Exec(_db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('selected', $v)", ("$v", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
        }
        finally
        {
            _writer.Release();
        }
    }

    private string? Meta(string key) => Scalar(_db, "SELECT value FROM meta WHERE key = $k", ("$k", key)) as string;

    private SqliteCommand Command(string sql, SqliteTransaction? tx, params (string Name, object Value)[] args)
    {
        SqliteCommand c = _db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        foreach ((string name, object value) in args)
        {
            c.Parameters.AddWithValue(name, value);
        }

        return c;
    }

    private static void Exec(SqliteConnection db, string sql, params (string Name, object Value)[] args)
    {
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = sql;
        foreach ((string name, object value) in args)
        {
            c.Parameters.AddWithValue(name, value);
        }

        c.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql, params (string Name, object Value)[] args)
    {
        using SqliteCommand c = db.CreateCommand();
        c.CommandText = sql;
        foreach ((string name, object value) in args)
        {
            c.Parameters.AddWithValue(name, value);
        }

        return c.ExecuteScalar();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _writer.WaitAsync().ConfigureAwait(false);
        foreach (SqliteCommand? c in new[] { _find, _supersede, _insert, _savepoint, _release, _rollback })
        {
            c?.Dispose();
        }

        await _db.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
    }
}
