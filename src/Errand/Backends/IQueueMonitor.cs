namespace Errand.Backends;

/// <summary>Reads a queue for dashboards, the command line and callers; kept off the worker's hot path.</summary>
public interface IQueueMonitor
{
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

    /// <summary>Gets the live workers of the queue.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The workers whose info has not expired.</returns>
    Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken);

    /// <summary>Lists a page of the queue's jobs, newest first within a status where the engine can.</summary>
    /// <param name="query">Which status, and which page.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The page and the total of jobs that match.</returns>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken);
}
