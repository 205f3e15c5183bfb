using Microsoft.Extensions.Logging;

namespace Errand.AspNetCore;

/// <summary>Errand.AspNetCore's log messages: EventIds 6xxx, a public contract (never renumber or rename).</summary>
internal static partial class ErrandLog
{
    [LoggerMessage(EventId = 6000, EventName = "InMemoryQueues", Level = LogLevel.Warning,
        Message = "Errand:Url is not set, so queues {Queues} are kept in this process's memory: jobs are lost when it stops and other processes cannot see them. Set Errand:Url (redis://..., postgresql://...) to share and keep them")]
    public static partial void InMemoryQueues(ILogger logger, string queues);

    // 6001 (RedisQueues) is retired: 6002 says the same for every engine.
    [LoggerMessage(EventId = 6002, EventName = "QueuesStored", Level = LogLevel.Information, Message = "Errand queues {Queues} are stored in {Engine} at {Endpoint}")]
    public static partial void QueuesStored(ILogger logger, string queues, string engine, string endpoint);

    [LoggerMessage(EventId = 6010, EventName = "WorkerHostStarting", Level = LogLevel.Information,
        Message = "Errand worker starting on queues {Queues}; shutdown grace period {GracePeriod} (host shutdown timeout {ShutdownTimeout})")]
    public static partial void WorkerHostStarting(ILogger logger, string queues, TimeSpan gracePeriod, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = 6011, EventName = "WorkerDisabled", Level = LogLevel.Information, Message = "Errand worker is off (Errand:RunWorker=false): this process only enqueues")]
    public static partial void WorkerDisabled(ILogger logger);

    [LoggerMessage(EventId = 6012, EventName = "GracePeriodShortened", Level = LogLevel.Warning,
        Message = "Errand:Worker:ShutdownGracePeriod {Configured} does not fit in the host's shutdown timeout {ShutdownTimeout}; using {GracePeriod}, so that jobs cut off are handed back in time")]
    public static partial void GracePeriodShortened(ILogger logger, TimeSpan configured, TimeSpan shutdownTimeout, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 6020, EventName = "ServiceJobStarting", Level = LogLevel.Debug, Message = "Job {JobKey}: calling {Service}.{Method} in a new scope")]
    public static partial void ServiceJobStarting(ILogger logger, string jobKey, string service, string method);
}
