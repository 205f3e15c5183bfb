using System.Data.Common;
using System.Runtime.CompilerServices;
using Errand.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Errand.EntityFrameworkCore;

/// <summary>
/// Finishes a DbContext's enqueues at its save and commit: writes the jobs of a PostgreSQL queue of its database in
/// the save's transaction, and wakes the outbox relays when a commit has written outbox rows.
/// </summary>
internal sealed class ErrandDbContextInterceptor(OutboxSignal signal, TimeProvider time) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    // The longest an awaited commit waits for the relay's round.
    private static readonly TimeSpan CommitRelayWait = TimeSpan.FromSeconds(5);

    private readonly ConditionalWeakTable<DbContext, ContextJobs> _contexts = [];
    private readonly ConditionalWeakTable<DbContext, IDbContextTransaction> _owned = [];

    public TimeProvider Time => time;

    public ContextJobs For(DbContext context) => _contexts.GetValue(context, _ => new ContextJobs());

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context && _contexts.TryGetValue(context, out var jobs) && jobs.HasDirect)
        {
            throw new NotSupportedException("Jobs enqueued with a DbContext on a PostgreSQL queue are written by SaveChangesAsync; call it instead of SaveChanges.");
        }

        return result;
    }

    public async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not { } context || !_contexts.TryGetValue(context, out var jobs) || !jobs.HasDirect)
        {
            return result;
        }

        // EF Core saves in the current transaction when there is one: open it here, so that the jobs go in it too.
        if (context.Database.CurrentTransaction is null)
        {
            _owned.AddOrUpdate(context, await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false));
        }

        var transaction = (NpgsqlTransaction)context.Database.CurrentTransaction!.GetDbTransaction();
        var taken = jobs.TakeDirect();
        try
        {
            foreach (var group in taken.GroupBy(j => j.Queue))
            {
                await group.Key.EnqueueManyAsync(transaction, group.Select(j => j.Job), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // The jobs belong to this save: a save that fails drops them with its rows.
            await RollBackOwnedAsync(context).ConfigureAwait(false);
            throw;
        }

        return result;
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null)
        {
            PulseIfWritten(context);
        }

        return result;
    }

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not { } context)
        {
            return result;
        }

        if (_owned.TryGetValue(context, out var owned))
        {
            _owned.Remove(context);
            await using (owned.ConfigureAwait(false))
            {
                await owned.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (context.Database.CurrentTransaction is null)
        {
            await RelayIfWrittenAsync(context, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData)
    {
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) =>
        eventData.Context is { } context ? RollBackOwnedAsync(context) : Task.CompletedTask;

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            PulseIfWritten(context);
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        eventData.Context is { } context ? RelayIfWrittenAsync(context, cancellationToken) : Task.CompletedTask;

    private void PulseIfWritten(DbContext context)
    {
        if (_contexts.TryGetValue(context, out var jobs) && jobs.TakeOutboxWritten())
        {
            signal.Pulse();
        }
    }

    // An awaited commit returns once the relays have run a round after it: its jobs are in their queues (unless a
    // queue could not be reached, and then the relay's next rounds carry them).
    private async Task RelayIfWrittenAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (_contexts.TryGetValue(context, out var jobs) && jobs.TakeOutboxWritten())
        {
            var generation = signal.Pulse();
            await signal.WaitRelayedAsync(generation, CommitRelayWait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RollBackOwnedAsync(DbContext context)
    {
        if (_owned.TryGetValue(context, out var owned))
        {
            _owned.Remove(context);
            await using (owned.ConfigureAwait(false))
            {
                await owned.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
