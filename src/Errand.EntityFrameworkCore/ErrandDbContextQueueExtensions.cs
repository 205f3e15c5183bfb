using System.Linq.Expressions;
using Errand.AspNetCore;
using Errand.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Errand.EntityFrameworkCore;

/// <summary>Enqueues jobs "with" a <see cref="DbContext"/>: they exist if and only if the context's changes commit.</summary>
/// <remarks>
/// <para>Inside the context's current transaction when there is one; otherwise the job is written by the next
/// <c>SaveChangesAsync</c>, in the transaction that saves the entities. A job of a PostgreSQL queue stored in the
/// context's database is written as its row in <c>saq_jobs</c> (<see cref="PostgresTransactionExtensions"/>); a job of
/// any other queue (Redis, PostgreSQL elsewhere) goes to the outbox table (<see cref="ErrandModelBuilderExtensions.AddErrandOutbox"/>)
/// and is relayed to its queue after commit, keeping its key.</para>
/// <para>The context needs <c>UseErrand(services)</c> on its options, and the application <c>AddEntityFrameworkOutbox&lt;TContext&gt;()</c>.
/// A context is not thread-safe; neither are these calls on one context.</para>
/// </remarks>
public static class ErrandDbContextQueueExtensions
{
    /// <summary>Enqueues the call <paramref name="call"/> of a <typeparamref name="TService"/> method with <paramref name="context"/>'s changes.</summary>
    /// <typeparam name="TService">A service registered with <c>AddJobService</c>.</typeparam>
    /// <param name="queue">The queue.</param>
    /// <param name="context">The context whose transaction (or next save) holds the job.</param>
    /// <param name="call">A call of one public method, as in <c>s =&gt; s.SendAsync(dto, default)</c>.</param>
    /// <param name="options">Options of this call, over the method's <see cref="JobAttribute"/> and the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels a write made at once (in a current transaction).</param>
    /// <returns>The job; written at once in a current transaction, else by the next save.</returns>
    /// <exception cref="InvalidOperationException">The context lacks <c>UseErrand</c>, or the outbox is needed and not mapped; or the service or method is not a job.</exception>
    /// <exception cref="ArgumentException">The expression is not a call of one method of the service, or an argument does not serialize.</exception>
    public static Task<Job> EnqueueAsync<TService>(
        this IQueue queue,
        DbContext context,
        Expression<Func<TService, Task>> call,
        JobOptions? options = null,
        CancellationToken cancellationToken = default)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.EnqueueAsync(context, queue.CreateJob(call, options), cancellationToken);
    }

    /// <summary>Enqueues a call of <paramref name="function"/> with <paramref name="context"/>'s changes.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="context">The context whose transaction (or next save) holds the job.</param>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">An object of named arguments, or <see langword="null"/>.</param>
    /// <param name="options">Options of this job, over the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels a write made at once (in a current transaction).</param>
    /// <returns>The job; written at once in a current transaction, else by the next save.</returns>
    /// <exception cref="InvalidOperationException">The context lacks <c>UseErrand</c>, or the outbox is needed and not mapped.</exception>
    /// <exception cref="ArgumentException">The function is empty, an option is out of range, or the arguments are not a JSON object.</exception>
    public static Task<Job> EnqueueAsync(
        this IQueue queue,
        DbContext context,
        string function,
        object? kwargs = null,
        JobOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.EnqueueAsync(context, QueueOf(queue).CreateJob(function, kwargs, options), cancellationToken);
    }

    /// <summary>Enqueues a job built by the caller (<see cref="Queue.CreateJob"/>) with <paramref name="context"/>'s changes.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="context">The context whose transaction (or next save) holds the job.</param>
    /// <param name="job">The job, of this queue.</param>
    /// <param name="cancellationToken">Cancels a write made at once (in a current transaction).</param>
    /// <returns>The job; written at once in a current transaction, else by the next save. In a current transaction on a PostgreSQL queue of the same database, the stored job when its key was already held.</returns>
    /// <exception cref="InvalidOperationException">The context lacks <c>UseErrand</c>, or the outbox is needed and not mapped.</exception>
    /// <exception cref="ArgumentException">The job belongs to another queue.</exception>
    public static async Task<Job> EnqueueAsync(this IQueue queue, DbContext context, Job job, CancellationToken cancellationToken = default)
    {
        var errandQueue = QueueOf(queue);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(job);
        if (!string.Equals(job.Queue, queue.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job {job.Key} belongs to queue '{job.Queue}', not '{queue.Name}'.", nameof(job));
        }

        var interceptor = context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<ErrandDbContextInterceptor>().FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"{context.GetType().Name} cannot hold Errand jobs: add UseErrand(services) to its options (AddDbContext<{context.GetType().Name}>((services, options) => options.Use...(...).UseErrand(services))) " +
                $"and AddEntityFrameworkOutbox<{context.GetType().Name}>() to AddErrand().");
        var jobs = interceptor.For(context);
        if (errandQueue.Backend is PostgresQueueBackend postgres && context.Database.GetDbConnection() is NpgsqlConnection connection && postgres.StoresJobsIn(connection))
        {
            if (context.Database.CurrentTransaction?.GetDbTransaction() is NpgsqlTransaction transaction)
            {
                return await errandQueue.EnqueueAsync(transaction, job, cancellationToken).ConfigureAwait(false);
            }

            jobs.AddDirect(errandQueue, job);
            return job;
        }

        await OutboxWriter.WriteAsync(context, jobs, errandQueue, job, interceptor.Time, cancellationToken).ConfigureAwait(false);
        return job;
    }

    private static Queue QueueOf(IQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue as Queue
            ?? throw new ArgumentException($"Jobs are enqueued with a DbContext on an Errand Queue (from AddErrand or a queue factory); got {queue.GetType().FullName}.", nameof(queue));
    }
}
