using Errand.Backends;

namespace Errand.Postgres;

/// <content>Limits: not enforced by this backend yet; only SAQ's one running job per group key is.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>Not supported yet: the take enforces SAQ's one running job per group key, and nothing else.</remarks>
    public Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return limits.IsEmpty
            ? Task.CompletedTask
            : throw new NotSupportedException($"The PostgreSQL backend does not enforce queue limits yet (queue '{QueueName}'); it keeps SAQ's one running job per group key.");
    }

    /// <inheritdoc />
    public Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The PostgreSQL backend does not hold functions or keys yet (queue '{QueueName}').");

    /// <inheritdoc />
    public Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LimitState>>([]);
}
