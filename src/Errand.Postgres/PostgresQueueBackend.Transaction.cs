using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>Enqueue inside the caller's transaction: the enqueue statement on the caller's connection, never on one of the backend's.</content>
public sealed partial class PostgresQueueBackend
{
    /// <summary>Enqueues jobs on the connection of <paramref name="transaction"/>, inside it: the rows and their notifications exist only if it commits.</summary>
    /// <param name="jobs">The jobs, of this backend's queue; each is marked queued.</param>
    /// <param name="transaction">The caller's open transaction, on a connection to the database this backend stores its jobs in.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>One result per job, in order: the job enqueued, or the stored job that holds its key.</returns>
    /// <remarks>
    /// Up to 1,000 jobs go in one statement (one round trip); a key that comes again in one call goes in the next
    /// statement and meets the first's job. <c>NOTIFY "saq:QUEUE"</c> and the <c>queued KEY</c> lines on
    /// <c>errand:QUEUE</c> are sent by the same statement, so PostgreSQL delivers them at commit and drops them on
    /// rollback; the <c>saq:enqueue</c> wake-ups of one transaction are delivered once. Not thread-safe, as the
    /// transaction itself is not: one command at a time on a connection.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The transaction has completed, or its connection reaches another database than this backend's (see <see cref="StoresJobsIn"/>).</exception>
    /// <exception cref="ArgumentException">A job belongs to another queue.</exception>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueAsync(IReadOnlyList<Job> jobs, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(transaction);
        ThrowIfDisposed();
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction has completed (committed or rolled back); enqueue in an open transaction.");
        if (!StoresJobsIn(connection))
        {
            throw new InvalidOperationException(
                $"The transaction's connection reaches {PostgresConnectionString.Describe(new NpgsqlConnectionStringBuilder(connection.ConnectionString))}, " +
                $"but queue '{QueueName}' is stored in {_endpoint}: a job can only join a transaction on its queue's own database, not on another database.");
        }

        foreach (var job in jobs)
        {
            EnsureOwnJob(job);
        }

        var nowMs = NowMs;
        var results = new List<EnqueueResult>(jobs.Count);
        var batch = new List<PendingEnqueue>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            if (batch.Count == MaxEnqueueBatch || !keys.Add(job.Key))
            {
                results.AddRange((await WriteEnqueuesAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false)).Results);
                batch.Clear();
                keys.Clear();
                keys.Add(job.Key);
            }

            batch.Add(CreatePending(job, nowMs));
        }

        if (batch.Count > 0)
        {
            results.AddRange((await WriteEnqueuesAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false)).Results);
        }

        return results;
    }

    /// <summary>Returns whether <paramref name="connection"/> reaches the database this backend stores its jobs in: the same host, port and database name.</summary>
    /// <param name="connection">A connection, open or not.</param>
    /// <returns><see langword="true"/> when a transaction of this connection can hold this queue's jobs.</returns>
    /// <remarks>Compares connection strings, without a round trip; <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c> count as one host.</remarks>
    public bool StoresJobsIn(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var ours = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        var theirs = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        return string.Equals(ours.Database ?? ours.Username, theirs.Database ?? theirs.Username, StringComparison.Ordinal)
            && ours.Port == theirs.Port
            && string.Equals(LoopbackAsOne(ours.Host), LoopbackAsOne(theirs.Host), StringComparison.OrdinalIgnoreCase);
    }

    private static string? LoopbackAsOne(string? host) => host is "localhost" or "127.0.0.1" or "::1" or "[::1]" ? "localhost" : host;
}
