namespace Errand.Postgres;

/// <summary>Options of a <see cref="PostgresQueueBackend"/>.</summary>
public sealed class PostgresBackendOptions
{
    /// <summary>Gets or sets the name of the queue: the <c>queue</c> column of its jobs, and its channel <c>saq:NAME</c>.</summary>
    /// <value>The default is <c>default</c>, as in SAQ.</value>
    public string QueueName { get; set; } = "default";

    /// <summary>Gets or sets the name of SAQ's jobs table.</summary>
    /// <value>The default is <c>saq_jobs</c>, as in SAQ.</value>
    public string JobsTable { get; set; } = "saq_jobs";

    /// <summary>Gets or sets the name of SAQ's worker-stats table.</summary>
    /// <value>The default is <c>saq_stats</c>, as in SAQ.</value>
    public string StatsTable { get; set; } = "saq_stats";

    /// <summary>Gets or sets the name of SAQ's schema-version table.</summary>
    /// <value>The default is <c>saq_versions</c>, as in SAQ.</value>
    public string VersionsTable { get; set; } = "saq_versions";

    /// <summary>Gets or sets the prefix of the tables Errand adds beside SAQ's (history, abort markers, locks, sweep suspects, due scheduled jobs).</summary>
    /// <value>The default is <c>errand_</c>: <c>errand_history</c>, <c>errand_aborts</c>, ...</value>
    public string ErrandTablePrefix { get; set; } = "errand_";

    /// <summary>Gets or sets the first key of the advisory lock the migrations run under (<c>pg_try_advisory_xact_lock(KEYSPACE, 0)</c>).</summary>
    /// <value>The default is 0, as SAQ's <c>saq_lock_keyspace</c>.</value>
    public int LockKeyspace { get; set; }

    /// <summary>Gets or sets how often an idle dequeue looks for ready jobs instead of listening for notifications; <see langword="null"/> to listen.</summary>
    /// <value>
    /// The default is <see langword="null"/>: idle workers wait on <c>LISTEN "saq:QUEUE"</c> and wake at once. Set it
    /// behind a pooler in transaction mode (PgBouncer), where LISTEN does not work; status changes then reach only the
    /// subscribers of this process, and other processes' waiters see them at their next re-read.
    /// </value>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>Gets or sets how long an abort marker keeps a running job's key from being enqueued again while its worker stops it.</summary>
    /// <value>The default is 5 seconds, as SAQ's abort marker on Redis.</value>
    public TimeSpan AbortMarkerTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a connect (and the wait for another process's migration) may take.</summary>
    /// <value>The default is 15 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the longest wait between two attempts of the notification connection to reconnect.</summary>
    /// <value>The default is 5 seconds; the first retry comes after 100 milliseconds, and each next one waits twice as long.</value>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(QueueName, nameof(QueueName));
        ArgumentException.ThrowIfNullOrEmpty(JobsTable, nameof(JobsTable));
        ArgumentException.ThrowIfNullOrEmpty(StatsTable, nameof(StatsTable));
        ArgumentException.ThrowIfNullOrEmpty(VersionsTable, nameof(VersionsTable));
        ArgumentNullException.ThrowIfNull(ErrandTablePrefix, nameof(ErrandTablePrefix));
        if (PollInterval is { } poll)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(poll, TimeSpan.Zero, nameof(PollInterval));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(AbortMarkerTtl, TimeSpan.FromSeconds(2), nameof(AbortMarkerTtl));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxReconnectDelay, TimeSpan.Zero, nameof(MaxReconnectDelay));

        // NOTIFY channels are identifiers: at most 63 bytes ("errand:" + the name is the longer one).
        if (System.Text.Encoding.UTF8.GetByteCount(QueueName) > 56)
        {
            throw new ArgumentException("A PostgreSQL queue name is at most 56 bytes: its NOTIFY channel 'errand:NAME' must fit in 63.", nameof(QueueName));
        }
    }
}
