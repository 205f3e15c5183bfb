namespace Errand.Postgres;

/// <content>Delete: an operator removes finished jobs, with their rows of Errand's finished index, in one statement.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// One statement: <c>DELETE ... WHERE key = ANY(keys) AND queue = QUEUE AND status IN finished</c>, and the same keys
    /// from <c>errand_finished</c>. A row locked by a requeue is deleted only if it is still finished once the lock is
    /// released (PostgreSQL checks the condition again on the new row version).
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<string>> DeleteFinishedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        return await QueryAsync(
            $"""
            WITH gone AS (
                DELETE FROM {_tables.Jobs} WHERE key = ANY ($1) AND queue = $2 AND status IN {Finished} RETURNING key),
            unindexed AS (
                DELETE FROM {_tables.Finished} WHERE key IN (SELECT key FROM gone)),
            forgotten AS (
                DELETE FROM {_tables.Attempts} WHERE key IN (SELECT key FROM gone))
            SELECT key FROM gone
            """,
            r => r.GetString(0),
            cancellationToken,
            keys.Distinct(StringComparer.Ordinal).ToArray(),
            QueueName).ConfigureAwait(false);
    }
}
