using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>Finds the queues a Redis holds, from SAQ's key layout: for tools that look at a Redis they did not fill.</summary>
/// <remarks>
/// A queue is named by SAQ's keys of its own: <c>saq:Q:incomplete</c>, <c>:queued</c>, <c>:active</c>, <c>:schedule</c>,
/// <c>:stats</c>, <c>:sweep</c> and <c>saq:Q:worker_info:W</c>. Job documents (<c>saq:job:Q:KEY</c>) do not name one
/// (a key may hold <c>:</c>), so a queue whose jobs have all finished and which has no worker is not listed, though
/// <see cref="ExistsAsync"/> still finds it while its documents live. Every primary server of the connection is scanned.
/// </remarks>
internal static class RedisQueues
{
    /// <summary>Returns the names of the queues stored in database <paramref name="database"/>, sorted.</summary>
    /// <param name="multiplexer">The connection.</param>
    /// <param name="database">The database number.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The queue names, in ordinal order.</returns>
    public static async Task<IReadOnlyList<string>> FindAsync(IConnectionMultiplexer multiplexer, int database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var server in Primaries(multiplexer))
        {
            await foreach (var key in server.KeysAsync(database, "saq:*", pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (QueueOf(key.ToString()) is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return [.. names];
    }

    /// <summary>Returns whether anything of queue <paramref name="queue"/> is stored: its lists and sets, a worker, or a job document.</summary>
    /// <param name="multiplexer">The connection.</param>
    /// <param name="queue">The queue name.</param>
    /// <param name="database">The database number.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>Whether a key of the queue exists.</returns>
    public static async Task<bool> ExistsAsync(IConnectionMultiplexer multiplexer, string queue, int database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var keys = RedisKeys.QueueSuffixes.Select(suffix => (RedisKey)$"saq:{queue}{suffix}").ToArray();
        var db = multiplexer.GetDatabase(database);

        // On a cluster, the keys of a name without a hash tag lie in several slots: one EXISTS each.
        var found = IsCluster(multiplexer) && !RedisClusterNames.IsSingleSlot(queue)
            ? (await Task.WhenAll(keys.Select(key => db.KeyExistsAsync(key))).ConfigureAwait(false)).Any(exists => exists)
            : await db.KeyExistsAsync(keys).ConfigureAwait(false) > 0;
        if (found)
        {
            return true;
        }

        var escaped = RedisKeys.EscapeGlob(queue);
        foreach (var pattern in new[] { $"saq:{escaped}{RedisKeys.WorkerInfoInfix}*", $"saq:job:{escaped}:*" })
        {
            foreach (var server in Primaries(multiplexer))
            {
                await foreach (var _ in server.KeysAsync(database, pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Returns the queue a SAQ key belongs to, or <see langword="null"/> for job documents, abort markers and other keys.</summary>
    internal static string? QueueOf(string key)
    {
        if (!key.StartsWith("saq:", StringComparison.Ordinal) || key.StartsWith("saq:job:", StringComparison.Ordinal) || key.StartsWith("saq:abort:", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[4..];
        var worker = rest.IndexOf(RedisKeys.WorkerInfoInfix, StringComparison.Ordinal);
        if (worker > 0)
        {
            return rest[..worker];
        }

        foreach (var suffix in RedisKeys.QueueSuffixes)
        {
            if (rest.Length > suffix.Length && rest.EndsWith(suffix, StringComparison.Ordinal))
            {
                return rest[..^suffix.Length];
            }
        }

        return null;
    }

    private static bool IsCluster(IConnectionMultiplexer multiplexer) =>
        multiplexer.GetServers().Any(s => s.ServerType == ServerType.Cluster);

    // Every primary: on a cluster, each master holds the queues of its slots.
    private static IEnumerable<IServer> Primaries(IConnectionMultiplexer multiplexer) =>
        multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica);
}
