using Npgsql;

namespace Errand.Postgres;

/// <summary>Enqueues jobs of a PostgreSQL queue inside the application's own Npgsql transaction.</summary>
/// <remarks>
/// The rows are written on the transaction's connection, never on another one, so a job exists if and only if the
/// transaction commits; the notifications that wake workers go in the same transaction and are delivered at commit.
/// For a queue stored elsewhere (Redis, or another database), use the outbox of <c>Errand.EntityFrameworkCore</c>.
/// </remarks>
public static class PostgresTransactionExtensions
{
    /// <summary>Enqueues a call of <paramref name="function"/> inside <paramref name="transaction"/>.</summary>
    /// <param name="queue">A queue stored by a <see cref="PostgresQueueBackend"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the queue's database.</param>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">An object of named arguments, or <see langword="null"/>.</param>
    /// <param name="options">Options of this job, over the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The job enqueued, or the stored job that already holds its key.</returns>
    /// <exception cref="InvalidOperationException">The queue is not stored in PostgreSQL, the transaction has completed, or its connection reaches another database.</exception>
    /// <exception cref="ArgumentException">The function is empty, an option is out of range, or the arguments are not a JSON object.</exception>
    public static async Task<Job> EnqueueAsync(
        this IQueue queue,
        NpgsqlTransaction transaction,
        string function,
        object? kwargs = null,
        JobOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var backend = BackendOf(queue);
        var results = await backend.EnqueueAsync([QueueOf(queue).CreateJob(function, kwargs, options)], transaction, cancellationToken).ConfigureAwait(false);
        return results[0].Job;
    }

    /// <summary>Enqueues a job built by the caller inside <paramref name="transaction"/>.</summary>
    /// <param name="queue">A queue stored by a <see cref="PostgresQueueBackend"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the queue's database.</param>
    /// <param name="job">The job, of this queue.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The job enqueued, or the stored job that already holds its key.</returns>
    /// <exception cref="InvalidOperationException">The queue is not stored in PostgreSQL, the transaction has completed, or its connection reaches another database.</exception>
    /// <exception cref="ArgumentException">The job belongs to another queue.</exception>
    public static async Task<Job> EnqueueAsync(this IQueue queue, NpgsqlTransaction transaction, Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(job);
        var results = await BackendOf(queue).EnqueueAsync([job], transaction, cancellationToken).ConfigureAwait(false);
        return results[0].Job;
    }

    /// <summary>Enqueues one call of <paramref name="function"/> per argument object inside <paramref name="transaction"/>, up to 1,000 in one statement.</summary>
    /// <param name="queue">A queue stored by a <see cref="PostgresQueueBackend"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the queue's database.</param>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">One object of named arguments per job.</param>
    /// <param name="options">Options of every job, over the queue's defaults; no key when there are several jobs.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The jobs, in order: each one enqueued, or the stored job that already held its key.</returns>
    /// <exception cref="InvalidOperationException">The queue is not stored in PostgreSQL, the transaction has completed, or its connection reaches another database.</exception>
    /// <exception cref="ArgumentException">The function is empty, an option is out of range, arguments are not a JSON object, or several jobs would share one key.</exception>
    public static Task<IReadOnlyList<Job>> EnqueueManyAsync(
        this IQueue queue,
        NpgsqlTransaction transaction,
        string function,
        IEnumerable<object?> kwargs,
        JobOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(kwargs);
        var errandQueue = QueueOf(queue);
        var jobs = kwargs.Select(args => errandQueue.CreateJob(function, args, options)).ToList();
        if (jobs.Count > 1 && options?.Key is { } key)
        {
            throw new ArgumentException($"Several jobs cannot all have the key '{key}': leave the key unset, or enqueue them one by one.", nameof(options));
        }

        return queue.EnqueueManyAsync(transaction, jobs, cancellationToken);
    }

    /// <summary>Enqueues jobs built by the caller inside <paramref name="transaction"/>, up to 1,000 in one statement.</summary>
    /// <param name="queue">A queue stored by a <see cref="PostgresQueueBackend"/>.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the queue's database.</param>
    /// <param name="jobs">The jobs, of this queue.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The jobs, in order: each one enqueued, or the stored job that already held its key.</returns>
    /// <exception cref="InvalidOperationException">The queue is not stored in PostgreSQL, the transaction has completed, or its connection reaches another database.</exception>
    /// <exception cref="ArgumentException">A job is null or belongs to another queue.</exception>
    public static async Task<IReadOnlyList<Job>> EnqueueManyAsync(this IQueue queue, NpgsqlTransaction transaction, IEnumerable<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(jobs);
        var all = jobs.ToList();
        if (all.Any(job => job is null))
        {
            throw new ArgumentException("A job to enqueue is null.", nameof(jobs));
        }

        var results = await BackendOf(queue).EnqueueAsync(all, transaction, cancellationToken).ConfigureAwait(false);
        return [.. results.Select(result => result.Job)];
    }

    private static Queue QueueOf(IQueue queue) => queue as Queue
        ?? throw new InvalidOperationException($"Jobs are enqueued in an Npgsql transaction on an Errand Queue (from AddErrand or PostgresQueueFactory); got {queue.GetType().FullName}.");

    private static PostgresQueueBackend BackendOf(IQueue queue) => QueueOf(queue).Backend as PostgresQueueBackend
        ?? throw new InvalidOperationException(
            $"Queue '{queue.Name}' is stored by {QueueOf(queue).Backend.GetType().Name}, not PostgreSQL: only a PostgreSQL queue's jobs can be written in an Npgsql transaction. " +
            "For another queue, enqueue through the outbox of Errand.EntityFrameworkCore.");
}
