using Microsoft.Extensions.Logging;

namespace Errand.Postgres;

/// <summary>The PostgreSQL backend's log messages. EventIds and names are a public contract (docs/telemetry.md): never renumber or rename.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 4001, EventName = "PostgresConnected", Level = LogLevel.Information,
        Message = "Queue {Queue} uses PostgreSQL at {Endpoint}")]
    public static partial void Connected(ILogger logger, string queue, string endpoint);

    [LoggerMessage(EventId = 4002, EventName = "PostgresMigrated", Level = LogLevel.Information,
        Message = "Migrated the SAQ schema at {Endpoint} from version {From} to {To}")]
    public static partial void Migrated(ILogger logger, string endpoint, int from, int to);

    [LoggerMessage(EventId = 4003, EventName = "CorruptJobRemoved", Level = LogLevel.Error,
        Message = "Job {JobKey} on queue {Queue} was taken out of the queue: {Reason}; its row is kept with status 'failed'")]
    public static partial void CorruptJobRemoved(ILogger logger, string jobKey, string queue, string reason);

    [LoggerMessage(EventId = 4004, EventName = "MissingJobRemoved", Level = LogLevel.Warning,
        Message = "Job {JobKey} on queue {Queue} has an empty document; its row was deleted")]
    public static partial void MissingJobRemoved(ILogger logger, string jobKey, string queue);

    [LoggerMessage(EventId = 4005, EventName = "NotificationIgnored", Level = LogLevel.Debug,
        Message = "Queue {Queue}: ignored the notification on channel {Channel}")]
    public static partial void NotificationIgnored(ILogger logger, string queue, string channel);

    [LoggerMessage(EventId = 4006, EventName = "ListenConnectionLost", Level = LogLevel.Warning,
        Message = "Queue {Queue}: the LISTEN connection to {Endpoint} was lost; reconnecting in {DelayMs} ms")]
    public static partial void ListenConnectionLost(ILogger logger, Exception exception, string queue, string endpoint, long delayMs);

    [LoggerMessage(EventId = 4007, EventName = "ListenConnectionRestored", Level = LogLevel.Information,
        Message = "Queue {Queue}: listening again at {Endpoint}; subscribers re-read what they wait for")]
    public static partial void ListenConnectionRestored(ILogger logger, string queue, string endpoint);
}
