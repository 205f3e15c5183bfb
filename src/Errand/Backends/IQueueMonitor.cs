namespace Errand.Backends;

/// <summary>Reads a queue for dashboards, the command line and callers; kept off the worker's hot path.</summary>
public interface IQueueMonitor
{
    /// <summary>Gets how many minutes of history a backend keeps at least: 60.</summary>
    const int HistoryMinutes = 60;

    /// <summary>Gets how many hours of hourly history a backend keeps at least: 168 (7 days).</summary>
    const int HistoryHours = 168;

    /// <summary>Gets the name of the queue.</summary>
    string QueueName { get; }

    /// <summary>Gets one job by key.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job, or <see langword="null"/> when none is stored under that key.</returns>
    /// <exception cref="CorruptJobException">The stored document cannot be read.</exception>
    Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken);

    /// <summary>Gets several jobs by key in one round trip, in the order asked; a missing or corrupt job is <see langword="null"/>.</summary>
    /// <param name="keys">The job keys.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One entry per key.</returns>
    Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Counts the queue's jobs.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The counts.</returns>
    Task<QueueCounts> CountAsync(CancellationToken cancellationToken);

    /// <summary>Gets whether the queue is paused (<see cref="IQueueBackend.SetPausedAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns><see langword="true"/> while the queue is paused.</returns>
    /// <remarks>One cheap read (a Redis <c>EXISTS</c>, one row by primary key on PostgreSQL): a worker reads it about once a second.</remarks>
    Task<bool> IsPausedAsync(CancellationToken cancellationToken);

    /// <summary>Gets the live workers of the queue.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The workers whose info has not expired.</returns>
    Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken);

    /// <summary>Lists a page of the queue's jobs, newest first within a status where the engine can.</summary>
    /// <param name="query">Which status, and which page.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The page and the total of jobs that match.</returns>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken);

    /// <summary>Gets how many jobs completed, failed, were retried and were aborted in each of the last <paramref name="minutes"/> minutes.</summary>
    /// <param name="minutes">How many minutes, the current one included: 1 to <see cref="HistoryMinutes"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One point per minute, oldest first, the last being the current minute; a minute with nothing recorded has zeros.</returns>
    /// <remarks>
    /// Only what this library's backends record is counted: jobs finished by other processes (Python SAQ workers) leave no
    /// history, and the history is kept for a bit over <see cref="HistoryMinutes"/> minutes.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minutes"/> is not between 1 and <see cref="HistoryMinutes"/>.</exception>
    Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken);

    /// <summary>Gets how many jobs completed, failed, were retried and were aborted in each of the last <paramref name="hours"/> hours.</summary>
    /// <param name="hours">How many hours, the current one included: 1 to <see cref="HistoryHours"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One point per hour, oldest first, the last being the current hour (its <see cref="HistoryPoint.Minute"/> is the start of the hour, UTC); an hour with nothing recorded has zeros.</returns>
    /// <remarks>Counted as <see cref="GetHistoryAsync"/> counts, in buckets of an hour kept for 8 days.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hours"/> is not between 1 and <see cref="HistoryHours"/>.</exception>
    Task<IReadOnlyList<HistoryPoint>> GetHourlyHistoryAsync(int hours, CancellationToken cancellationToken);

    /// <summary>Gets the attempts of job <paramref name="key"/> that have ended, oldest first: at most the last <see cref="JobAttempt.MaxKept"/>.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The attempts, kept as long as the job is; empty for a job that has none recorded (or is gone).</returns>
    /// <remarks>
    /// An attempt is recorded when this library's worker or sweeper ends it (finished, or queued again); an operator's
    /// retry of a finished job adds none (its attempt was recorded when it finished). Jobs run by other processes (Python
    /// SAQ workers) have none.
    /// </remarks>
    Task<IReadOnlyList<JobAttempt>> GetAttemptsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Gets how each limited function and group key stands: running against its limit, and held jobs.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One state per function with a limit and per group key that has running or held jobs; empty for a queue without limits.</returns>
    Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken);
}
