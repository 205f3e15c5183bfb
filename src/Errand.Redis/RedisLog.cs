using Microsoft.Extensions.Logging;

namespace Errand.Redis;

/// <summary>The Redis backend's log messages. EventIds and names are a public contract (docs/telemetry.md): never renumber or rename.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3001, EventName = "RedisConnected", Level = LogLevel.Information,
        Message = "Queue {Queue} uses Redis at {Endpoint}")]
    public static partial void Connected(ILogger logger, string queue, string endpoint);

    [LoggerMessage(EventId = 3002, EventName = "CorruptJobRemoved", Level = LogLevel.Error,
        Message = "Job {JobId} on queue {Queue} was taken out of the queue: {Reason}; its raw document is kept in {CorruptKey}")]
    public static partial void CorruptJobRemoved(ILogger logger, string jobId, string queue, string reason, string corruptKey);

    [LoggerMessage(EventId = 3003, EventName = "MissingJobRemoved", Level = LogLevel.Warning,
        Message = "Job {JobId} on queue {Queue} has no document; its id was taken out of the queue")]
    public static partial void MissingJobRemoved(ILogger logger, string jobId, string queue);

    [LoggerMessage(EventId = 3004, EventName = "NotificationIgnored", Level = LogLevel.Debug,
        Message = "Queue {Queue}: ignored the message on channel {Channel}")]
    public static partial void NotificationIgnored(ILogger logger, string queue, string channel);

    [LoggerMessage(EventId = 3005, EventName = "DequeueUnblockFailed", Level = LogLevel.Debug,
        Message = "Queue {Queue}: could not unblock a cancelled BLMOVE; it ends at its timeout")]
    public static partial void UnblockFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 3006, EventName = "MarkActiveFailed", Level = LogLevel.Warning,
        Message = "Queue {Queue}: could not mark {Count} taken jobs active; they run, and their outcomes are stored when Redis answers again")]
    public static partial void MarkActiveFailed(ILogger logger, Exception exception, int count, string queue);
}
