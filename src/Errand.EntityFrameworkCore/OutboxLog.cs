using Microsoft.Extensions.Logging;

namespace Errand.EntityFrameworkCore;

/// <summary>The outbox relay's log events (6xxx).</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 7001, EventName = "OutboxRelayed", Level = LogLevel.Debug, Message = "Relayed {Count} jobs from the outbox of {Context} ({Duplicates} already in their queue)")]
    public static partial void Relayed(ILogger logger, int count, string context, int duplicates);

    [LoggerMessage(EventId = 7002, EventName = "OutboxRelayFailed", Level = LogLevel.Warning, Message = "Relaying the outbox of {Context} failed; the rows stay for the next round")]
    public static partial void RelayFailed(ILogger logger, Exception exception, string context);
}
