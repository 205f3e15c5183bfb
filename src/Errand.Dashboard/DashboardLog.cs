using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>The dashboard's log events (5xxx: dashboard and command line; see docs/telemetry.md).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 5501, EventName = "DashboardJobRetried", Level = LogLevel.Information, Message = "Dashboard: job {JobKey} on queue {Queue} queued again by {User}")]
    public static partial void JobRetried(ILogger logger, string jobKey, string queue, string user);

    [LoggerMessage(EventId = 5502, EventName = "DashboardJobAborted", Level = LogLevel.Information, Message = "Dashboard: job {JobKey} on queue {Queue} aborted by {User}")]
    public static partial void JobAborted(ILogger logger, string jobKey, string queue, string user);

    [LoggerMessage(EventId = 5503, EventName = "DashboardBulkRetry", Level = LogLevel.Information, Message = "Dashboard: {Count} failed jobs on queue {Queue} queued again by {User}")]
    public static partial void BulkRetried(ILogger logger, int count, string queue, string user);

    [LoggerMessage(EventId = 5504, EventName = "DashboardRequestRefused", Level = LogLevel.Warning, Message = "Dashboard: refused {Method} {Path}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 5505, EventName = "DashboardQueueScanned", Level = LogLevel.Information, Message = "Dashboard: every job of queue {Queue} read ({Count}) to index the unindexed finished ones, by {User}")]
    public static partial void QueueScanned(ILogger logger, string queue, long count, string user);

    [LoggerMessage(EventId = 5506, EventName = "DashboardBulkAction", Level = LogLevel.Information, Message = "Dashboard: {Action} of {Count} jobs on queue {Queue} ({Skipped} skipped) by {User}")]
    public static partial void BulkAction(ILogger logger, string action, int count, string queue, int skipped, string user);

    [LoggerMessage(EventId = 5507, EventName = "DashboardQueuePaused", Level = LogLevel.Information, Message = "Dashboard: queue {Queue} paused by {User}")]
    public static partial void QueuePaused(ILogger logger, string queue, string user);

    [LoggerMessage(EventId = 5508, EventName = "DashboardQueueResumed", Level = LogLevel.Information, Message = "Dashboard: queue {Queue} resumed by {User}")]
    public static partial void QueueResumed(ILogger logger, string queue, string user);
}
