using Microsoft.Extensions.Logging;

namespace Errand;

/// <summary>Errand's log messages. EventIds and names are a public contract (docs/telemetry.md): never renumber or rename.</summary>
/// <remarks>1xxx queue and worker, 2xxx sweeper and cron, 3xxx Redis, 4xxx PostgreSQL, 5xxx dashboard and CLI.</remarks>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "InMemoryBackend", Level = LogLevel.Warning,
        Message = "Queue {Queue} uses the in-memory backend: jobs are kept in this process only and are lost when it stops")]
    public static partial void InMemoryBackend(ILogger logger, string queue);

    [LoggerMessage(EventId = 1001, EventName = "JobEnqueued", Level = LogLevel.Debug, Message = "Job {JobKey} ({Function}) enqueued on queue {Queue}")]
    public static partial void JobEnqueued(ILogger logger, string jobKey, string function, string queue);

    [LoggerMessage(EventId = 1002, EventName = "JobDuplicate", Level = LogLevel.Debug, Message = "Job {JobKey} is still incomplete on queue {Queue}; nothing enqueued")]
    public static partial void JobDuplicate(ILogger logger, string jobKey, string queue);

    [LoggerMessage(EventId = 1003, EventName = "JobAbortRequested", Level = LogLevel.Information, Message = "Abort of job {JobKey} on queue {Queue} requested: {Reason}")]
    public static partial void JobAbortRequested(ILogger logger, string jobKey, string queue, string reason);

    [LoggerMessage(EventId = 1010, EventName = "WorkerStarted", Level = LogLevel.Information, Message = "Worker {WorkerId} started on queue {Queue} with concurrency {Concurrency}; functions: {Functions}")]
    public static partial void WorkerStarted(ILogger logger, string workerId, string queue, int concurrency, string functions);

    [LoggerMessage(EventId = 1011, EventName = "WorkerStopping", Level = LogLevel.Information, Message = "Worker {WorkerId} stopping; {Running} jobs running, grace period {GracePeriod}")]
    public static partial void WorkerStopping(ILogger logger, string workerId, int running, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 1012, EventName = "WorkerStopped", Level = LogLevel.Information, Message = "Worker {WorkerId} stopped")]
    public static partial void WorkerStopped(ILogger logger, string workerId);

    [LoggerMessage(EventId = 1013, EventName = "BackendError", Level = LogLevel.Error, Message = "Worker {WorkerId}: {Operation} failed; retrying in {Delay}")]
    public static partial void BackendError(ILogger logger, Exception exception, string workerId, string operation, TimeSpan delay);

    [LoggerMessage(EventId = 1014, EventName = "HookFailed", Level = LogLevel.Error, Message = "Worker {WorkerId}: the {Hook} hook threw")]
    public static partial void HookFailed(ILogger logger, Exception exception, string workerId, string hook);

    [LoggerMessage(EventId = 1015, EventName = "BackendUnavailable", Level = LogLevel.Warning,
        Message = "Worker {WorkerId}: the backend is unavailable ({Operation} failed): {Cause}; retrying with backoff until it answers")]
    public static partial void BackendUnavailable(ILogger logger, string workerId, string operation, string cause);

    [LoggerMessage(EventId = 1016, EventName = "BackendStillUnavailable", Level = LogLevel.Warning,
        Message = "Worker {WorkerId}: the backend is still unavailable after {Duration} ({Failures} calls failed): {Cause}")]
    public static partial void BackendStillUnavailable(ILogger logger, string workerId, TimeSpan duration, int failures, string cause);

    [LoggerMessage(EventId = 1017, EventName = "BackendAvailable", Level = LogLevel.Information,
        Message = "Worker {WorkerId}: the backend is available again after an outage of {Duration} ({Failures} calls failed)")]
    public static partial void BackendAvailable(ILogger logger, string workerId, TimeSpan duration, int failures);

    [LoggerMessage(EventId = 1020, EventName = "JobStarted", Level = LogLevel.Debug, Message = "Job {JobKey} ({Function}) started on queue {Queue}, attempt {Attempt}")]
    public static partial void JobStarted(ILogger logger, string jobKey, string function, string queue, int attempt);

    [LoggerMessage(EventId = 1021, EventName = "JobCompleted", Level = LogLevel.Debug, Message = "Job {JobKey} ({Function}) completed in {DurationMs} ms")]
    public static partial void JobCompleted(ILogger logger, string jobKey, string function, long durationMs);

    [LoggerMessage(EventId = 1022, EventName = "JobFailed", Level = LogLevel.Warning, Message = "Job {JobKey} ({Function}) failed on attempt {Attempt}; no retries left")]
    public static partial void JobFailed(ILogger logger, Exception exception, string jobKey, string function, int attempt);

    [LoggerMessage(EventId = 1023, EventName = "JobRetrying", Level = LogLevel.Information, Message = "Job {JobKey} ({Function}) attempt {Attempt} ended: {Reason}; retrying in {Delay}")]
    public static partial void JobRetrying(ILogger logger, string jobKey, string function, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1024, EventName = "JobAborted", Level = LogLevel.Information, Message = "Job {JobKey} ({Function}) aborted: {Reason}")]
    public static partial void JobAborted(ILogger logger, string jobKey, string function, string reason);

    [LoggerMessage(EventId = 1025, EventName = "JobIgnoredCancellation", Level = LogLevel.Warning, Message = "Job {JobKey} ({Function}) did not stop when its token fired; the worker moved on without it")]
    public static partial void JobIgnoredCancellation(ILogger logger, string jobKey, string function);

    [LoggerMessage(EventId = 1026, EventName = "JobNotFinished", Level = LogLevel.Error, Message = "Job {JobKey} ({Function}) could not be stored as {Status} before the worker shut down; the sweeper will recover it")]
    public static partial void JobNotFinished(ILogger logger, Exception exception, string jobKey, string function, string status);

    [LoggerMessage(EventId = 1031, EventName = "QueuePaused", Level = LogLevel.Information, Message = "Worker {WorkerId} sees queue {Queue} paused: it takes no job until the queue is resumed")]
    public static partial void QueuePaused(ILogger logger, string workerId, string queue);

    [LoggerMessage(EventId = 1032, EventName = "QueueResumed", Level = LogLevel.Information, Message = "Worker {WorkerId} sees queue {Queue} resumed")]
    public static partial void QueueResumed(ILogger logger, string workerId, string queue);

    [LoggerMessage(EventId = 1030, EventName = "JobSuperseded", Level = LogLevel.Warning, Message = "Job {JobKey} ({Function}) attempt {Attempt} stopped without storing its outcome: {Reason}")]
    public static partial void JobSuperseded(ILogger logger, string jobKey, string function, int attempt, string reason);

    [LoggerMessage(EventId = 2001, EventName = "JobSwept", Level = LogLevel.Warning, Message = "Swept job {JobKey} ({Function}) from queue {Queue}: {Reason}; now {Status}")]
    public static partial void JobSwept(ILogger logger, string jobKey, string function, string queue, string reason, string status);

    [LoggerMessage(EventId = 2002, EventName = "SweptMissing", Level = LogLevel.Warning, Message = "Swept job {JobKey} from queue {Queue}: its document is missing or corrupt, or it had already finished (a leftover entry)")]
    public static partial void SweptMissing(ILogger logger, string jobKey, string queue);

    [LoggerMessage(EventId = 2010, EventName = "CronEnqueued", Level = LogLevel.Debug, Message = "Cron job {Name} ({Function}) scheduled for {Next}")]
    public static partial void CronEnqueued(ILogger logger, string name, string function, DateTimeOffset next);
}
