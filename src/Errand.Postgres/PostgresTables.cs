namespace Errand.Postgres;

/// <summary>The quoted names of SAQ's tables and of the tables Errand keeps beside them.</summary>
internal sealed class PostgresTables
{
    public PostgresTables(PostgresBackendOptions options)
    {
        Jobs = Quote(options.JobsTable);
        JobsName = options.JobsTable;
        Stats = Quote(options.StatsTable);
        Versions = Quote(options.VersionsTable);
        History = Quote(options.ErrandTablePrefix + "history");
        HourlyHistory = Quote(options.ErrandTablePrefix + "history_hourly");
        Attempts = Quote(options.ErrandTablePrefix + "attempts");
        Aborts = Quote(options.ErrandTablePrefix + "aborts");
        Locks = Quote(options.ErrandTablePrefix + "locks");
        Suspects = Quote(options.ErrandTablePrefix + "suspects");
        Due = Quote(options.ErrandTablePrefix + "due");
        Finished = Quote(options.ErrandTablePrefix + "finished");
        Paused = Quote(options.ErrandTablePrefix + "paused");
        Limits = Quote(options.ErrandTablePrefix + "limits");
        LimitHolds = Quote(options.ErrandTablePrefix + "limit_holds");
        LimitStarts = Quote(options.ErrandTablePrefix + "limit_starts");
        Prefix = options.ErrandTablePrefix;
    }

    /// <summary>Gets SAQ's jobs table.</summary>
    public string Jobs { get; }

    /// <summary>Gets the jobs table's name as configured, unquoted, to name things after it.</summary>
    public string JobsName { get; }

    /// <summary>Gets SAQ's worker-stats table.</summary>
    public string Stats { get; }

    /// <summary>Gets SAQ's schema-version table.</summary>
    public string Versions { get; }

    /// <summary>Gets Errand's per-minute counts of outcomes, per queue.</summary>
    public string History { get; }

    /// <summary>Gets Errand's per-hour counts of outcomes, per queue, kept 8 days.</summary>
    public string HourlyHistory { get; }

    /// <summary>Gets Errand's ended attempts of each job (the last 25), deleted with the job.</summary>
    public string Attempts { get; }

    /// <summary>Gets Errand's abort markers: a running job's key that may not be enqueued again until its worker has stopped it.</summary>
    public string Aborts { get; }

    /// <summary>Gets Errand's leases (the schedule and sweep locks of each queue), on the backend's clock.</summary>
    public string Locks { get; }

    /// <summary>Gets Errand's sweep suspects: jobs first seen stuck for a reason that must hold for the grace.</summary>
    public string Suspects { get; }

    /// <summary>Gets Errand's scheduled jobs not yet reported due by a schedule round.</summary>
    public string Due { get; }

    /// <summary>Gets Errand's index of finished jobs by completion time, for pages of finished jobs.</summary>
    public string Finished { get; }

    /// <summary>Gets Errand's paused queues: one row per queue while it is paused.</summary>
    public string Paused { get; }

    /// <summary>Gets Errand's limits, one row per limited queue: the spec, and the row a limited take locks.</summary>
    public string Limits { get; }

    /// <summary>Gets Errand's holds of functions and group keys, per queue.</summary>
    public string LimitHolds { get; }

    /// <summary>Gets Errand's starts within each rate's window, per queue and target.</summary>
    public string LimitStarts { get; }

    /// <summary>Gets the unquoted prefix of Errand's tables, for index names.</summary>
    public string Prefix { get; }

    /// <summary>Quotes an identifier for SQL text.</summary>
    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
