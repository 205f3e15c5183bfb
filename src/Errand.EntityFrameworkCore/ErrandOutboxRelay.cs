using System.Text;
using System.Text.Json;
using Errand.Backends;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Errand.EntityFrameworkCore;

/// <summary>Moves the outbox rows of <typeparamref name="TContext"/> to their queues: at once when a commit wrote some, and every <see cref="ErrandOutboxOptions.SweepInterval"/> for what a crash left.</summary>
/// <remarks>
/// A row is deleted only after its job is in its queue. A relay that dies in between leaves the row; the next round
/// finds the job stored under its key with this row's id in its <c>meta</c>, and deletes the row without enqueuing again.
/// </remarks>
internal sealed class ErrandOutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    IQueueProvider queues,
    OutboxSignal signal,
    IOptions<ErrandOutboxOptions> options,
    TimeProvider time,
    ILogger<ErrandOutboxRelay<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var relay = signal.Register();
        try
        {
            await RelayRoundsAsync(relay, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            signal.Unregister(relay);
        }
    }

    private async Task RelayRoundsAsync(int relay, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the round, so that a commit during it starts another.
            var (pulsed, generation) = signal.Next;
            try
            {
                while (await RelayOnceAsync(stoppingToken).ConfigureAwait(false))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                OutboxLog.RelayFailed(logger, ex, typeof(TContext).Name);
            }

            // Commits that wait for their jobs to be relayed go on (relayed, or left for the next rounds after a failure).
            signal.Relayed(relay, generation);

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var swept = Task.Delay(options.Value.SweepInterval, time, wait.Token);
            await Task.WhenAny(pulsed, swept).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Relays one batch of rows, oldest first; returns whether a full batch was read (more may wait).</summary>
    internal async Task<bool> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using var scopeScope = scope.ConfigureAwait(false);
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var batch = options.Value.BatchSize;
        var messages = await context.Set<ErrandOutboxMessage>().AsNoTracking()
            .OrderBy(m => m.CreatedMs).ThenBy(m => m.Id).Take(batch)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (messages.Count == 0)
        {
            return false;
        }

        var duplicates = 0;
        foreach (var group in messages.GroupBy(m => m.Queue, StringComparer.Ordinal))
        {
            var queue = queues.Get(group.Key);
            var rows = group.ToList();
            var stored = await queue.GetJobsAsync([.. rows.Select(m => m.Key)], cancellationToken).ConfigureAwait(false);
            var fresh = new List<Job>(rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                if (IsRelayed(stored[i], rows[i].Id))
                {
                    duplicates++;
                    continue;
                }

                fresh.Add(JobDocument.Deserialize(Encoding.UTF8.GetBytes(rows[i].Document), rows[i].Key, rows[i].Queue));
            }

            if (fresh.Count > 0)
            {
                await queue.EnqueueManyAsync(fresh, cancellationToken).ConfigureAwait(false);
            }
        }

        var ids = messages.Select(m => m.Id).ToList();
        await context.Set<ErrandOutboxMessage>().Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        OutboxLog.Relayed(logger, messages.Count, typeof(TContext).Name, duplicates);
        return messages.Count == batch;
    }

    private static bool IsRelayed(Job? stored, string id) =>
        stored is not null
        && stored.Meta.TryGetValue(OutboxWriter.MetaKey, out var relayed)
        && relayed.ValueKind == JsonValueKind.String
        && relayed.GetString() == id;
}
