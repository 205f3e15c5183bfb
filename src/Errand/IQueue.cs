using Errand.Backends;

namespace Errand;

/// <summary>Enqueues jobs on one queue, reads them, and waits for their results. The API callers use.</summary>
/// <remarks>Implementations are safe for concurrent use.</remarks>
public interface IQueue
{
    /// <summary>Gets the queue name.</summary>
    string Name { get; }

    /// <summary>Enqueues a call of <paramref name="function"/> with named arguments.</summary>
    /// <param name="function">The registered function name.</param>
    /// <param name="kwargs">The arguments: an object whose properties become the job's <c>kwargs</c> (snake_case by default), or <see langword="null"/>.</param>
    /// <param name="options">The job options; unset ones take the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The stored job; when its key was still incomplete, the job already stored (nothing is written).</returns>
    /// <exception cref="ArgumentException">An option is out of range, or the arguments are not a JSON object.</exception>
    /// <exception cref="BackendUnavailableException">The backend could not be reached in time.</exception>
    Task<Job> EnqueueAsync(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Enqueues a job built by the caller.</summary>
    /// <param name="job">The job; its queue must be this queue.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The stored job, or the job already stored under its key.</returns>
    Task<Job> EnqueueAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Enqueues one call of <paramref name="function"/> per argument object, in as few round trips as the backend allows.</summary>
    /// <param name="function">The registered function name.</param>
    /// <param name="kwargs">One argument object per job, as <see cref="EnqueueAsync(string, object?, JobOptions?, CancellationToken)"/> takes it.</param>
    /// <param name="options">The options of every job; unset ones take the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One stored job per argument object, in order; see <see cref="EnqueueManyAsync(IEnumerable{Job}, CancellationToken)"/>.</returns>
    /// <exception cref="ArgumentException">An option is out of range, an argument object is not a JSON object, or the options give several jobs one key.</exception>
    /// <exception cref="BackendUnavailableException">The backend could not be reached in time.</exception>
    Task<IReadOnlyList<Job>> EnqueueManyAsync(string function, IEnumerable<object?> kwargs, JobOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Enqueues jobs built by the caller, in as few round trips as the backend allows (Redis: one script call per 500 jobs).</summary>
    /// <param name="jobs">The jobs, each of this queue and each once; they are changed in place as <see cref="EnqueueAsync(Job, CancellationToken)"/> changes one.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>
    /// One entry per job, in order: the stored job, or the job already stored under its key. Each job is handled as if
    /// enqueued alone, in the order given: of two jobs with one key, the second returns the first.
    /// </returns>
    /// <remarks>
    /// Not one transaction: when the backend fails part way, the jobs before the failure may be stored. Enqueueing the
    /// same jobs again is safe while those are queued or running, as a key still incomplete is never written twice.
    /// </remarks>
    /// <exception cref="ArgumentException">A job is <see langword="null"/>, belongs to another queue, or comes twice.</exception>
    /// <exception cref="BackendUnavailableException">The backend could not be reached in time.</exception>
    Task<IReadOnlyList<Job>> EnqueueManyAsync(IEnumerable<Job> jobs, CancellationToken cancellationToken = default);

    /// <summary>Gets one job by key.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job, or <see langword="null"/>.</returns>
    Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Gets several jobs by key in one round trip; a missing one is <see langword="null"/>.</summary>
    /// <param name="keys">The job keys.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>One entry per key, in order.</returns>
    Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Lists a page of jobs, optionally of one status.</summary>
    /// <param name="query">The status and the page.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The page.</returns>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Iterates over every stored job, optionally of one status, a page at a time.</summary>
    /// <param name="status">Only this status, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Stops the iteration.</param>
    /// <returns>The jobs.</returns>
    IAsyncEnumerable<Job> IterateJobsAsync(JobStatus? status = null, CancellationToken cancellationToken = default);

    /// <summary>Counts the queue's jobs.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The counts.</returns>
    Task<QueueCounts> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets the queue's counts, live workers and its first jobs.</summary>
    /// <param name="jobs">How many jobs to include.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The info.</returns>
    Task<QueueInfo> InfoAsync(int jobs = 10, CancellationToken cancellationToken = default);

    /// <summary>Stores a running job's progress and metadata; this also counts as its heartbeat.</summary>
    /// <param name="job">The job; it is changed in place.</param>
    /// <param name="progress">The new progress (0..1), or <see langword="null"/> to keep it.</param>
    /// <param name="meta">Metadata entries to set, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    Task UpdateAsync(Job job, double? progress = null, IReadOnlyDictionary<string, object?>? meta = null, CancellationToken cancellationToken = default);

    /// <summary>Aborts a job, by its stored state: a waiting one never runs; a running one has its cancellation token fired and ends aborted; a finished one is left as it is.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="reason">Stored as the job's error.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job after the abort, or <see langword="null"/> when it does not exist or has already finished (nothing changed).</returns>
    Task<Job?> AbortAsync(string key, string reason = "aborted", CancellationToken cancellationToken = default);

    /// <summary>Queues a finished (failed, aborted or complete) job again at once.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job as queued, or <see langword="null"/> when it does not exist.</returns>
    /// <exception cref="JobNotRetryableException">The job is waiting or running: retrying it would run a second copy.</exception>
    Task<Job?> RetryAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Queues a job again at once; with <paramref name="force"/>, even one stored as waiting or running, for a job known to be stuck.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="force">Queue it even when it is stored as waiting or running. A worker that still runs it stops it (its attempt is no longer current).</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job as queued, or <see langword="null"/> when it does not exist.</returns>
    /// <exception cref="JobNotRetryableException">The job is waiting or running and <paramref name="force"/> is not set.</exception>
    Task<Job?> RetryAsync(string key, bool force, CancellationToken cancellationToken = default);

    /// <summary>Waits for a job to finish, woken by the backend's notifications, and reading its stored state again after the backend reconnects and every <see cref="QueueOptions.WaitRecheckInterval"/>, so a lost notification never makes it hang.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="timeout">How long to wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The finished job (complete, failed or aborted).</returns>
    /// <exception cref="JobWaitTimeoutException">The job did not finish in time.</exception>
    Task<Job> WaitAsync(string key, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Enqueues a call and waits for its result.</summary>
    /// <typeparam name="TResult">The type the stored result binds to.</typeparam>
    /// <param name="function">The registered function name.</param>
    /// <param name="kwargs">The arguments, or <see langword="null"/>.</param>
    /// <param name="options">The job options.</param>
    /// <param name="cancellationToken">Stops the wait (the job goes on).</param>
    /// <returns>The result.</returns>
    /// <exception cref="JobFailedException">The job failed or was aborted; it carries the stored error.</exception>
    Task<TResult?> ApplyAsync<TResult>(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Enqueues one call per argument object and collects the results in the same order.</summary>
    /// <typeparam name="TResult">The type each stored result binds to.</typeparam>
    /// <param name="function">The registered function name.</param>
    /// <param name="kwargs">One argument object per job.</param>
    /// <param name="options">The job options, and whether failures are returned in place.</param>
    /// <param name="cancellationToken">Stops the wait (the jobs go on).</param>
    /// <returns>One outcome per argument object, in order.</returns>
    /// <exception cref="JobFailedException">A job failed and <see cref="MapOptions.ReturnErrors"/> is not set.</exception>
    /// <exception cref="JobWaitTimeoutException">Not every job finished within <see cref="MapOptions.Timeout"/>.</exception>
    Task<IReadOnlyList<JobOutcome<TResult>>> MapAsync<TResult>(string function, IEnumerable<object?> kwargs, MapOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Pauses the queue: from within a second, no Errand worker of any process takes its jobs; running jobs finish, and enqueues are stored as usual.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the pause is stored and published.</returns>
    /// <remarks>
    /// The flag stays in the store until <see cref="ResumeAsync"/>, across restarts of a durable backend. Workers go on
    /// with their timers: scheduled and cron jobs become ready and wait, stuck jobs are swept. A Python SAQ worker on
    /// the same store does not know the flag and goes on taking jobs.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">The backend could not be reached in time.</exception>
    Task PauseAsync(CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused queue: idle workers take its jobs again at once (woken by the store's notification).</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the resume is stored and published.</returns>
    /// <exception cref="BackendUnavailableException">The backend could not be reached in time.</exception>
    Task ResumeAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets whether the queue is paused.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns><see langword="true"/> while the queue is paused.</returns>
    Task<bool> IsPausedAsync(CancellationToken cancellationToken = default);
}
