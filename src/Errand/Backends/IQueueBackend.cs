namespace Errand.Backends;

/// <summary>The backend contract, for those who write a storage backend: stores one queue's jobs and hands them to workers. One implementation per storage engine; applications use <see cref="Queue"/> and <see cref="Worker"/>.</summary>
/// <remarks>
/// Implementations must be safe for concurrent use and must pass the conformance suite
/// (<c>tests/Errand.Conformance</c>). Every method that takes "now" reads it from the backend's
/// <see cref="TimeProvider"/>, so tests can drive time. The queue and the worker speak only to this contract.
/// </remarks>
public interface IQueueBackend : IQueueMonitor, IAsyncDisposable
{
    /// <summary>Gets what this backend can do beyond the contract's minimum.</summary>
    BackendCapabilities Capabilities { get; }

    /// <summary>Stores <paramref name="job"/> as queued (or scheduled), unless its key is still incomplete or being aborted.</summary>
    /// <param name="job">The job; on success its <see cref="Job.Status"/> and <see cref="Job.Queued"/> are set.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>Whether it was stored, or else the job already stored under its key.</returns>
    Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken);

    /// <summary>Takes up to <see cref="DequeueRequest.MaxJobs"/> ready jobs and marks them active for the worker, waiting up to <see cref="DequeueRequest.Wait"/> for the first.</summary>
    /// <param name="request">How many, how long to wait, and for which worker.</param>
    /// <param name="cancellationToken">Cancels the wait; a job already taken is still returned.</param>
    /// <returns>The jobs taken, already marked active (attempts, started, touched and worker id set); empty when none came in time.</returns>
    /// <remarks>
    /// A backend may store the active marks with its next round trip instead of waiting for them (the Redis backend
    /// does: the function starts one round trip sooner). Its own later commands never overtake them, and its reads
    /// show them; another client may see such a job still queued, in the active list, for that round trip. An abort
    /// that comes in that moment is kept as <see cref="JobStatus.Aborting"/>, for the worker's abort check.
    /// </remarks>
    Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="job"/> with <see cref="Job.Touched"/> set to now, and publishes its status. This is the heartbeat.</summary>
    /// <remarks>
    /// When the stored status is <see cref="JobStatus.Aborting"/> and <paramref name="job"/> says <see cref="JobStatus.Active"/>, the stored status is kept: a heartbeat must not erase an abort request.
    /// A job the worker runs is written only while <paramref name="job"/> is its current attempt (<see cref="AttemptRules.IsCurrent"/>); an update of a stale attempt stores nothing.
    /// </remarks>
    /// <param name="job">The job, with the fields to store.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    Task UpdateAsync(Job job, CancellationToken cancellationToken);

    /// <summary>Ends <paramref name="job"/> as <paramref name="status"/> (complete, failed or aborted) and keeps it for its TTL.</summary>
    /// <remarks>Only while <paramref name="job"/> is its key's current attempt (<see cref="AttemptRules.IsCurrent"/>): the outcome of an attempt that was swept, or ended elsewhere, changes neither the stored job nor the lists.</remarks>
    /// <param name="job">The job, with its result or error set.</param>
    /// <param name="status">The terminal status.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    Task FinishAsync(Job job, JobStatus status, CancellationToken cancellationToken);

    /// <summary>Queues <paramref name="job"/>, which its worker ran, again, now or after <paramref name="delay"/>, keeping its error.</summary>
    /// <remarks>Only while <paramref name="job"/> is its key's current attempt (<see cref="AttemptRules.IsCurrent"/>); else nothing is stored. An operator's retry is <see cref="RequeueAsync"/>.</remarks>
    /// <param name="job">The job, with the error of the attempt that ended.</param>
    /// <param name="delay">How long to wait before it may run; <see cref="TimeSpan.Zero"/> for now.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Aborts the job stored under <paramref name="job"/>'s key, by its stored state, in one step: a waiting job ends <see cref="JobStatus.Aborted"/> at once; a running one becomes <see cref="JobStatus.Aborting"/> for its worker to stop; a finished one is left as it is.</summary>
    /// <param name="job">The job; only its key counts. On return it holds the stored status, error and completion time.</param>
    /// <param name="reason">Stored as the job's error.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>What the abort did.</returns>
    /// <remarks>The caller's copy of the job is never written back: a job that its worker finishes in the same moment stays finished.</remarks>
    Task<AbortResult> AbortAsync(Job job, string reason, CancellationToken cancellationToken);

    /// <summary>Queues the job stored under <paramref name="key"/> again at once, as an operator's retry: a finished job always, a waiting or running one only when <paramref name="force"/> is set.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="force">Queue it even when it is waiting or running (for a job known to be stuck, its worker gone).</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The job as stored after, or <see langword="null"/> when no job is stored under the key.</returns>
    /// <exception cref="JobNotRetryableException">The job is waiting or running, and <paramref name="force"/> is not set.</exception>
    /// <remarks>Decided on the stored state in one step, as <see cref="AbortAsync"/>; the attempts are kept, as SAQ's retry keeps them.</remarks>
    Task<Job?> RequeueAsync(string key, bool force, CancellationToken cancellationToken);

    /// <summary>Deletes the finished (complete, failed or aborted) jobs among <paramref name="keys"/>, with their entries in the backend's own indexes; a waiting or running job, or a missing key, is left.</summary>
    /// <param name="keys">The job keys; an operator's selection, a few hundred at a time.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The keys of the jobs deleted.</returns>
    /// <remarks>
    /// Decided on the stored state of each job in one step, as <see cref="RequeueAsync"/>: a job queued again meanwhile is
    /// not deleted. An operator's action, apart from taking and finishing jobs; it reads only the jobs named.
    /// </remarks>
    Task<IReadOnlyList<string>> DeleteFinishedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Removes the abort marker of a job that its worker has stopped.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the marker is gone.</returns>
    Task ClearAbortAsync(string key, CancellationToken cancellationToken);

    /// <summary>Moves scheduled jobs whose time has come to the ready list, under the backend's schedule lock.</summary>
    /// <param name="lockFor">How long this caller holds the schedule lock.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The keys of the jobs moved; empty when another process holds the lock.</returns>
    Task<IReadOnlyList<string>> ScheduleAsync(TimeSpan lockFor, CancellationToken cancellationToken);

    /// <summary>Finds active jobs that no live worker will finish, under the backend's sweep lock; removes the entries of jobs whose document is gone.</summary>
    /// <param name="request">The lock duration, how long a suspect must stay one, and what to do with a stuck job (<see cref="SweepRequest.Decide"/>), applied to each in one step while it is stored as judged.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The stuck jobs (with a decision: those it was applied to), and the keys of the jobs whose entries were cleaned away; empty when another process holds the lock.</returns>
    Task<SweepResult> SweepAsync(SweepRequest request, CancellationToken cancellationToken);

    /// <summary>Writes a worker's info and marks it alive for <paramref name="ttl"/>.</summary>
    /// <param name="info">The worker info.</param>
    /// <param name="ttl">How long the worker counts as alive without another write.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the info is stored.</returns>
    Task WriteWorkerInfoAsync(WorkerInfo info, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Removes a worker's info, when it stops.</summary>
    /// <param name="workerId">The worker id.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the info is gone.</returns>
    Task RemoveWorkerInfoAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Subscribes to the status changes of some of the queue's jobs, or of all of them.</summary>
    /// <param name="keys">The job keys to hear about; <see langword="null"/> for every job of the queue.</param>
    /// <param name="cancellationToken">Cancels the wait for the subscription to be in place.</param>
    /// <returns>A subscription; every change published after this task completes is delivered to it.</returns>
    Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken);

    /// <summary>Stores the queue's limits, for every process of the queue; the last writer wins. Empty limits remove them.</summary>
    /// <param name="limits">The limits.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the limits are stored.</returns>
    /// <exception cref="NotSupportedException">The backend cannot enforce limits (<see cref="BackendCapabilities.Limits"/> is not set) and <paramref name="limits"/> is not empty.</exception>
    /// <remarks>
    /// A backend with <see cref="BackendCapabilities.Limits"/> then enforces them in <see cref="DequeueAsync"/>, in the
    /// store, across every process: a job whose function or group key is at its concurrency limit, or out of starts
    /// for its rate's period, or held (<see cref="HoldAsync"/>), is not taken and does not use up the request's
    /// <see cref="DequeueRequest.MaxJobs"/>; it waits out of the ready list, so jobs of other functions and keys behind
    /// it are taken. A job that ends (finished, retried, aborted, swept) frees its slots, and the store puts a job
    /// held for that slot back at the head of the ready list, waking an idle dequeue; a job held for a rate or a hold
    /// is made ready when its time comes, and an idle dequeue wakes then, without polling. A queue without limits
    /// takes jobs as before, at no cost.
    /// </remarks>
    Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken);

    /// <summary>Pauses or resumes the queue for every worker of every process: stores the flag, then notifies (<see cref="WatchPausedAsync"/>).</summary>
    /// <param name="paused"><see langword="true"/> to pause, <see langword="false"/> to resume.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the flag is stored and the change published.</returns>
    /// <remarks>
    /// The flag is kept by the store (it survives a restart of the process on a durable backend) until changed again.
    /// A paused queue still takes enqueues, and its scheduled jobs still become ready; the worker takes none of them
    /// (<see cref="Worker"/>), and the jobs it runs finish. The store itself hands out jobs as before: a client that
    /// does not know the flag (a Python SAQ worker) goes on taking them.
    /// </remarks>
    Task SetPausedAsync(bool paused, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="changed"/> with the new state each time the queue's paused flag is set, from this process and, where the backend can (<see cref="BackendCapabilities.CrossProcessNotifications"/>), from others.</summary>
    /// <param name="changed">Called with <see langword="true"/> on a pause and <see langword="false"/> on a resume; it must return quickly and not throw.</param>
    /// <param name="cancellationToken">Cancels the wait for the watch to be in place.</param>
    /// <returns>The watch; disposing it stops the calls. Every change published after this task completes is delivered, unless the notification is lost on the way (a dropped connection), which is why a worker also reads <see cref="IQueueMonitor.IsPausedAsync"/> now and then.</returns>
    Task<IAsyncDisposable> WatchPausedAsync(Action<bool> changed, CancellationToken cancellationToken);

    /// <summary>Holds the starts of a function's or a group key's jobs for <paramref name="duration"/> (a partner answered 429), without failing them.</summary>
    /// <param name="target">The function or group key to hold.</param>
    /// <param name="duration">How long from now; a later hold of the same target replaces an earlier one when it ends later.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the hold is stored.</returns>
    /// <exception cref="NotSupportedException">The backend cannot enforce limits.</exception>
    /// <remarks>Works whether or not the target has a limit: until the hold ends, <see cref="DequeueAsync"/> takes none of its jobs; running ones go on.</remarks>
    Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken);
}
