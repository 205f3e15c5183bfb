using Npgsql;

namespace Errand.Postgres;

/// <content>SAQ's schema migrations, and the tables Errand adds beside SAQ's.</content>
public sealed partial class PostgresQueueBackend
{
    /// <summary>The SAQ schema version this backend writes and reads.</summary>
    internal const int SchemaVersion = 3;

    private static readonly TimeSpan MigrationRetry = TimeSpan.FromMilliseconds(100);

    // SAQ's migrations, in the order SAQ runs them; the schema they make is the contract shared with Python workers.
    private string[][] SaqMigrations() =>
    [
        [
            $"""
            CREATE TABLE IF NOT EXISTS {_tables.Jobs} (
                key TEXT PRIMARY KEY,
                lock_key SERIAL NOT NULL,
                job BYTEA NOT NULL,
                queue TEXT NOT NULL,
                status TEXT NOT NULL,
                priority SMALLINT NOT NULL DEFAULT 0,
                group_key TEXT,
                scheduled BIGINT NOT NULL DEFAULT EXTRACT(EPOCH FROM NOW()),
                expire_at BIGINT)
            """,
            $"CREATE INDEX IF NOT EXISTS saq_jobs_dequeue_idx ON {_tables.Jobs} (status, queue, scheduled)",
            $"CREATE TABLE IF NOT EXISTS {_tables.Stats} (worker_id TEXT PRIMARY KEY, stats JSONB, expire_at BIGINT)",
        ],
        [
            $"ALTER TABLE {_tables.Stats} ADD COLUMN IF NOT EXISTS metadata JSONB",
            $"ALTER TABLE {_tables.Stats} ADD COLUMN IF NOT EXISTS queue_key TEXT",
            $"CREATE INDEX IF NOT EXISTS saq_stats_expire_at_idx ON {_tables.Stats} (expire_at)",
            $"CREATE INDEX IF NOT EXISTS saq_stats_queue_key_idx ON {_tables.Stats} (queue_key)",
        ],
        [
            $"CREATE INDEX IF NOT EXISTS saq_jobs_status_queue_group_key_idx ON {_tables.Jobs} (status, queue, group_key)",
            $"CREATE INDEX IF NOT EXISTS saq_jobs_status_queue_priority_scheduled_idx ON {_tables.Jobs} (status, queue, priority, scheduled)",
            "DROP INDEX IF EXISTS saq_jobs_dequeue_idx",
        ],
    ];

    // Errand's own tables: never a column in SAQ's, so that a Python SAQ keeps working on the same tables.
    private string[] ErrandTables() =>
    [
        $"CREATE TABLE IF NOT EXISTS {_tables.History} (queue TEXT NOT NULL, minute BIGINT NOT NULL, complete BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0, retried BIGINT NOT NULL DEFAULT 0, aborted BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (queue, minute))",
        $"CREATE TABLE IF NOT EXISTS {_tables.HourlyHistory} (queue TEXT NOT NULL, hour BIGINT NOT NULL, complete BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0, retried BIGINT NOT NULL DEFAULT 0, aborted BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (queue, hour))",
        $"CREATE TABLE IF NOT EXISTS {_tables.Attempts} (key TEXT NOT NULL, attempt INTEGER NOT NULL, queue TEXT NOT NULL, started_ms BIGINT, ended_ms BIGINT NOT NULL, worker_id TEXT, status TEXT NOT NULL, error TEXT, PRIMARY KEY (key, attempt))",

        // The retried attempts alone (a retry's record has status 'queued'): the retrying count reads only these.
        $"CREATE INDEX IF NOT EXISTS {RetriedIndex} ON {_tables.Attempts} (queue, key, attempt) WHERE status = 'queued'",
        $"CREATE TABLE IF NOT EXISTS {_tables.Aborts} (key TEXT PRIMARY KEY, expires_at_ms BIGINT NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Locks} (name TEXT PRIMARY KEY, until_ms BIGINT NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Suspects} (key TEXT PRIMARY KEY, queue TEXT NOT NULL, since_ms BIGINT NOT NULL)",
        $"CREATE INDEX IF NOT EXISTS {PostgresTables.Quote(_tables.Prefix + "suspects_queue_idx")} ON {_tables.Suspects} (queue)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Due} (key TEXT PRIMARY KEY, queue TEXT NOT NULL, scheduled BIGINT NOT NULL)",
        $"CREATE INDEX IF NOT EXISTS {PostgresTables.Quote(_tables.Prefix + "due_queue_scheduled_idx")} ON {_tables.Due} (queue, scheduled)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Finished} (key TEXT PRIMARY KEY, queue TEXT NOT NULL, status TEXT NOT NULL, completed_ms BIGINT NOT NULL)",
        $"CREATE INDEX IF NOT EXISTS {PostgresTables.Quote(_tables.Prefix + "finished_page_idx")} ON {_tables.Finished} (queue, status, completed_ms DESC, key)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Paused} (queue TEXT PRIMARY KEY)",
        $"CREATE TABLE IF NOT EXISTS {_tables.Limits} (queue TEXT PRIMARY KEY, spec JSONB NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {_tables.LimitHolds} (queue TEXT NOT NULL, target TEXT NOT NULL, until_ms BIGINT NOT NULL, PRIMARY KEY (queue, target))",
        $"CREATE TABLE IF NOT EXISTS {_tables.LimitStarts} (queue TEXT NOT NULL, target TEXT NOT NULL, until_ms BIGINT NOT NULL)",
        $"CREATE INDEX IF NOT EXISTS {PostgresTables.Quote(_tables.Prefix + "limit_starts_idx")} ON {_tables.LimitStarts} (queue, until_ms)",

        // The take's order exactly (SAQ's (status, queue, priority, scheduled) lacks lock_key, so every ready row was
        // sorted on each take): a take reads only the rows it returns. An index on SAQ's table, which SAQ never sees.
        $"CREATE INDEX IF NOT EXISTS {TakeIndex} ON {_tables.Jobs} (queue, priority, scheduled, lock_key) WHERE status = 'queued'",

        // A group's first ready job, found by one index step when the take meets a grouped row.
        $"CREATE INDEX IF NOT EXISTS {GroupIndex} ON {_tables.Jobs} (queue, group_key, priority, scheduled, lock_key) INCLUDE (key) WHERE status = 'queued' AND group_key IS NOT NULL",
    ];

    private string TakeIndex => PostgresTables.Quote(_tables.Prefix + _tables.JobsName + "_take_idx");

    private string RetriedIndex => PostgresTables.Quote(_tables.Prefix + "attempts_retried_idx");

    private string GroupIndex => PostgresTables.Quote(_tables.Prefix + _tables.JobsName + "_group_idx");

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var token = timeout.Token;
        var migrations = SaqMigrations();
        var connection = await OpenAsync(token).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        while (true)
        {
            var version = await ReadVersionAsync(connection, token).ConfigureAwait(false);
            CheckVersion(version);
            if (version == SchemaVersion && await ErrandTablesExistAsync(connection, token).ConfigureAwait(false))
            {
                return;
            }

            var transaction = await connection.BeginTransactionAsync(token).ConfigureAwait(false);

            await using (transaction.ConfigureAwait(false))
            {
                // The same lock as SAQ's migrations; a transaction lock, so it is never left held on a pooled connection.
                using var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@keyspace, 0)", connection, transaction);
                lockCommand.Parameters.AddWithValue("keyspace", _options.LockKeyspace);
                if ((bool)(await lockCommand.ExecuteScalarAsync(token).ConfigureAwait(false))!)
                {
                    await ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {_tables.Versions} (version INT)", token).ConfigureAwait(false);
                    version = await ReadVersionAsync(connection, token, transaction).ConfigureAwait(false);
                    CheckVersion(version);
                    foreach (var migration in migrations.Skip(version))
                    {
                        foreach (var statement in migration)
                        {
                            await ExecuteAsync(connection, transaction, statement, token).ConfigureAwait(false);
                        }
                    }

                    if (version < SchemaVersion)
                    {
                        await ExecuteAsync(connection, transaction, $"DELETE FROM {_tables.Versions}; INSERT INTO {_tables.Versions} (version) VALUES ({SchemaVersion})", token).ConfigureAwait(false);
                    }

                    foreach (var statement in ErrandTables())
                    {
                        await ExecuteAsync(connection, transaction, statement, token).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(token).ConfigureAwait(false);
                    if (version < SchemaVersion)
                    {
                        PostgresLog.Migrated(_logger, _endpoint, version, SchemaVersion);
                    }

                    return;
                }
            }

            // Another process migrates: wait until it is done, as SAQ's workers do.
            await Task.Delay(MigrationRetry, TimeProvider.System, token).ConfigureAwait(false);
        }
    }

    private void CheckVersion(int version)
    {
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The SAQ schema at {_endpoint} ({_options.VersionsTable}) is version {version}, newer than the version {SchemaVersion} this Errand.Postgres knows; upgrade Errand.Postgres.");
        }
    }

    private async Task<int> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass(@table) IS NULL THEN NULL ELSE 1 END",
            connection,
            transaction);
        command.Parameters.AddWithValue("table", _tables.Versions);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DBNull or null)
        {
            return 0;
        }

        using var read = new NpgsqlCommand($"SELECT max(version) FROM {_tables.Versions}", connection, transaction);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int version ? version : 0;
    }

    private async Task<bool> ErrandTablesExistAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT to_regclass(@finished) IS NOT NULL AND to_regclass(@history) IS NOT NULL AND to_regclass(@hourly) IS NOT NULL AND to_regclass(@attempts) IS NOT NULL AND to_regclass(@take) IS NOT NULL AND to_regclass(@group) IS NOT NULL AND to_regclass(@paused) IS NOT NULL AND to_regclass(@starts) IS NOT NULL AND to_regclass(@retried) IS NOT NULL", connection);
        command.Parameters.AddWithValue("finished", _tables.Finished);
        command.Parameters.AddWithValue("history", _tables.History);
        command.Parameters.AddWithValue("hourly", _tables.HourlyHistory);
        command.Parameters.AddWithValue("attempts", _tables.Attempts);
        command.Parameters.AddWithValue("take", TakeIndex);
        command.Parameters.AddWithValue("group", GroupIndex);
        command.Parameters.AddWithValue("paused", _tables.Paused);
        command.Parameters.AddWithValue("starts", _tables.LimitStarts);
        command.Parameters.AddWithValue("retried", RetriedIndex);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
