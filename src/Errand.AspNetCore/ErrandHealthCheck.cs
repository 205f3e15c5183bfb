using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Errand.AspNetCore;

/// <summary>Checks every queue: its backend answers, and at least one live worker takes its jobs.</summary>
internal sealed class ErrandHealthCheck(ErrandQueues queues) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var idle = new List<string>();
        foreach (var name in queues.Names)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Timeout);
            try
            {
                var queue = queues.GetQueue(name);
                var workers = await queue.Backend.GetWorkersAsync(deadline.Token).ConfigureAwait(false);
                var counts = await queue.Backend.CountAsync(deadline.Token).ConfigureAwait(false);
                data[name] = new { workers = workers.Count, queued = counts.Queued, active = counts.Active };
                if (workers.Count == 0)
                {
                    idle.Add(name);
                }
            }
            catch (BackendUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"backend unavailable: the backend of Errand queue '{name}' at {ex.Endpoint} cannot be reached.", ex, data);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"backend unavailable: the backend of Errand queue '{name}' did not answer within {Timeout.TotalSeconds:0} s; it cannot be reached.", ex, data);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"The backend of Errand queue '{name}' failed: {ex.Message}", ex, data);
            }
        }

        return idle.Count > 0
            ? HealthCheckResult.Degraded($"No live worker takes the jobs of Errand queue(s) {string.Join(", ", idle)}.", data: data)
            : HealthCheckResult.Healthy($"{queues.Names.Count} Errand queue(s) reachable, each with a live worker.", data);
    }
}
