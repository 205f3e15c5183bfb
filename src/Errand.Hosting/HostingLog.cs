using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>The worker host's log messages; EventIds 5600-5699 (docs/telemetry.md) are a contract: never renumber or rename.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 5600, EventName = "WorkerProcessStarted", Level = LogLevel.Information,
        Message = "Worker process {Index} started (pid {ProcessId})")]
    public static partial void WorkerProcessStarted(ILogger logger, int index, int processId);

    [LoggerMessage(EventId = 5601, EventName = "WorkerProcessCrashed", Level = LogLevel.Warning,
        Message = "Worker process {Index} (pid {ProcessId}) exited with code {ExitCode}; restarting it in {Delay}")]
    public static partial void WorkerProcessCrashed(ILogger logger, int index, int processId, int exitCode, TimeSpan delay);

    [LoggerMessage(EventId = 5602, EventName = "WorkerProcessExited", Level = LogLevel.Information,
        Message = "Worker process {Index} (pid {ProcessId}) exited with code {ExitCode}")]
    public static partial void WorkerProcessExited(ILogger logger, int index, int processId, int exitCode);

    [LoggerMessage(EventId = 5603, EventName = "WorkerGroupStopping", Level = LogLevel.Information,
        Message = "Stopping {Count} worker processes: each finishes or hands back its running jobs")]
    public static partial void WorkerGroupStopping(ILogger logger, int count);

    [LoggerMessage(EventId = 5604, EventName = "WorkerProcessKilled", Level = LogLevel.Error,
        Message = "Worker process {Index} (pid {ProcessId}) did not stop within {Timeout}; killed it")]
    public static partial void WorkerProcessKilled(ILogger logger, int index, int processId, TimeSpan timeout);

    [LoggerMessage(EventId = 5605, EventName = "WorkerGroupStarting", Level = LogLevel.Information,
        Message = "Starting {Count} worker processes for queue {Queue} on {Endpoint}")]
    public static partial void WorkerGroupStarting(ILogger logger, int count, string queue, string endpoint);

    [LoggerMessage(EventId = 5606, EventName = "DashboardServing", Level = LogLevel.Information,
        Message = "Dashboard of queue {Queue} at {Url}")]
    public static partial void DashboardServing(ILogger logger, string queue, Uri url);

    [LoggerMessage(EventId = 5607, EventName = "SupervisorGone", Level = LogLevel.Warning,
        Message = "The supervising process {ProcessId} is gone; this worker process stops")]
    public static partial void SupervisorGone(ILogger logger, int processId);

    [LoggerMessage(EventId = 5610, EventName = "CheckHealthy", Level = LogLevel.Information,
        Message = "Queue {Queue} has {Count} live workers")]
    public static partial void CheckHealthy(ILogger logger, string queue, int count);

    [LoggerMessage(EventId = 5611, EventName = "CheckUnhealthy", Level = LogLevel.Error,
        Message = "Queue {Queue} has no live worker")]
    public static partial void CheckUnhealthy(ILogger logger, string queue);

    [LoggerMessage(EventId = 5612, EventName = "CheckUnavailable", Level = LogLevel.Error,
        Message = "Queue {Queue}: the backend could not be reached")]
    public static partial void CheckUnavailable(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 5620, EventName = "WorkerFailed", Level = LogLevel.Critical,
        Message = "The worker of queue {Queue} stopped with an error")]
    public static partial void WorkerFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 5621, EventName = "InvalidSettings", Level = LogLevel.Critical,
        Message = "The worker settings are not valid: {Reason}")]
    public static partial void InvalidSettings(ILogger logger, string reason);
}
