using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// Redis Cluster: the queue's keys are in one slot (its name holds a hash tag), so its scripts and transactions run on
/// the master that owns the slot; keyless commands that must reach that master (WAIT, SCAN, CLIENT) are sent to it.
/// </content>
public sealed partial class RedisQueueBackend
{
    private static readonly TimeSpan FirstClusterRetryDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxClusterRetryDelay = TimeSpan.FromMilliseconds(200);

    // Known once a server has answered; null before (a backend may be opened while Redis is down).
    private bool? _cluster;

    /// <summary>Gets whether the connection is to a Redis Cluster.</summary>
    /// <exception cref="ArgumentException">It is a cluster, and the queue name holds no hash tag.</exception>
    internal bool IsCluster => _cluster ?? DetectCluster();

    private bool DetectCluster()
    {
        var servers = _multiplexer.GetServers();
        if (!servers.Any(s => s.IsConnected))
        {
            return false;
        }

        var cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
        if (cluster && !RedisClusterNames.IsSingleSlot(QueueName))
        {
            throw RedisClusterNames.Refused(QueueName, _endpoint);
        }

        _cluster = cluster;
        return cluster;
    }

    /// <summary>
    /// Makes sure that whether the connection is to a cluster is known before a key that depends on it is named. A
    /// backend opened before its connection's handshake ended (under load it can outlast the connect timeout) would
    /// otherwise take the server for a single Redis and name SAQ's abort marker, which on a cluster lies in another slot
    /// than the queue's keys (CROSSSLOT). The first answer to a PING ends the handshake; Redis down, it fails as the
    /// command would have.
    /// </summary>
    private ValueTask KnowClusterAsync()
    {
        if (_cluster is null)
        {
            _ = DetectCluster();
        }

        return _cluster is null ? new ValueTask(PingForClusterAsync()) : ValueTask.CompletedTask;
    }

    private async Task PingForClusterAsync()
    {
        await _db.PingAsync().ConfigureAwait(false);
        _ = DetectCluster();
    }

    /// <summary>
    /// Returns the abort marker of job <paramref name="key"/>: SAQ's <c>saq:abort:KEY</c> on a single Redis; on a
    /// cluster, where SAQ's marker names no queue and so lies in another slot, <c>errand:QUEUE:abort:KEY</c>.
    /// </summary>
    private RedisKey AbortMarker(string key) => IsCluster ? _keys.ClusterAbort(key) : RedisKeys.Abort(key);

    /// <summary>Gets the prefix of the abort markers this backend writes (see <see cref="AbortMarker"/>).</summary>
    private string AbortMarkerPrefix => IsCluster ? _keys.ClusterAbortPrefix : RedisKeys.AbortPrefix;

    /// <summary>Returns the server that holds the queue's slot now, on <paramref name="connection"/>, for keyless commands that must reach it.</summary>
    private IServer QueueServer(IConnectionMultiplexer connection) => connection.GetServer(_keys.Queued);

    // A SCAN of the server that holds the queue's keys: on a cluster, the master of the queue's slot.
    private Task<RedisResult> ScanAsync(long cursor, string pattern, int count) => IsCluster
        ? QueueServer(_multiplexer).ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", count)
        : _db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", count);

    /// <summary>
    /// Runs a script, again after a short pause while the cluster says it did not run it: TRYAGAIN (the queue's slot
    /// is being migrated and only some of its keys have moved) or CLUSTERDOWN (a master has failed and its replica is
    /// not promoted yet). StackExchange.Redis follows MOVED and ASK itself.
    /// </summary>
    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values)
    {
        var delay = FirstClusterRetryDelay;
        var deadline = TimeProvider.System.GetUtcNow() + _options.OperationTimeout;
        while (true)
        {
            try
            {
                return await _db.ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsClusterBusy(ex) && TimeProvider.System.GetUtcNow() + delay < deadline)
            {
                // Real time on purpose: this waits for the cluster, not for job time.
                await Task.Delay(delay, TimeProvider.System).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxClusterRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Returns whether a server error says the cluster refused the command without running it, for a moment.</summary>
    private static bool IsClusterBusy(Exception exception) =>
        exception is RedisServerException { Message: var message }
        && (message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal));
}
