namespace Errand.Redis;

/// <summary>Options of a <see cref="RedisQueueBackend"/>.</summary>
public sealed class RedisBackendOptions
{
    /// <summary>Gets or sets the name of the queue; its keys are <c>saq:NAME:...</c>.</summary>
    /// <value>
    /// Required; there is no default. On a Redis Cluster it must hold a hash tag, such as <c>{emails}</c>, so that all
    /// the queue's keys are in one slot; a name without one is refused at connect.
    /// </value>
    public required string QueueName { get; set; }

    /// <summary>Gets or sets how long a command may take before it fails with <see cref="BackendUnavailableException"/>, including the time spent waiting for a reconnect.</summary>
    /// <value>The default is 5 seconds. Applies to connections the backend opens itself; a shared multiplexer keeps its own settings.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long one connection attempt may take.</summary>
    /// <value>The default is 5 seconds. Applies to connections the backend opens itself.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest a dequeue blocks on one BLMOVE; a longer <c>Wait</c> (or an infinite one) is cut to this and the caller asks again.</summary>
    /// <value>The default is 30 seconds. The blocking connection's timeouts are this plus <see cref="OperationTimeout"/>.</value>
    public TimeSpan MaxBlockingWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the abort marker (<c>saq:abort:KEY</c>; <c>errand:QUEUE:abort:KEY</c> on a Redis Cluster) lives; it keeps a key from being enqueued again while its worker stops it.</summary>
    /// <value>The default is 5 seconds, as in SAQ; it must outlive the worker's 1-second abort check.</value>
    public TimeSpan AbortMarkerTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest a job's outcome (or its active mark) waits for the worker's next take, to go with it in one round trip.</summary>
    /// <value>
    /// The default is 1 millisecond. A worker whose functions have ended takes its next jobs at once, and that take
    /// carries the outcomes with it, so under load nothing waits this long; it bounds the wait when no take follows
    /// (every slot is busy with long jobs). Zero sends at once.
    /// </value>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets or sets the client name shown by <c>CLIENT LIST</c> for connections the backend opens itself.</summary>
    /// <value>The default is <c>errand</c>.</value>
    public string ClientName { get; set; } = "errand";

    /// <summary>
    /// Gets or sets how many replicas must have an enqueue or a finish before it is acknowledged (Redis <c>WAIT</c>), so
    /// that an acknowledged write survives a failover to one of them; 0 acknowledges once the primary has it.
    /// </summary>
    /// <value>
    /// The default is 0 (Redis replication is asynchronous: a write acknowledged just before the primary fails can be
    /// lost). A URL sets it with <c>?wait_replicas=N</c>. A write that not enough replicas confirm within
    /// <see cref="ReplicaWaitTimeout"/> fails with <see cref="BackendUnavailableException"/>, although the primary holds it.
    /// </value>
    public int WaitForReplicas { get; set; }

    /// <summary>Gets or sets how long an enqueue or a finish waits for <see cref="WaitForReplicas"/> replicas.</summary>
    /// <value>The default is 1 second; a URL sets it with <c>?wait_timeout_ms=N</c>.</value>
    public TimeSpan ReplicaWaitTimeout { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(QueueName, nameof(QueueName));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OperationTimeout, TimeSpan.Zero, nameof(OperationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxBlockingWait, TimeSpan.Zero, nameof(MaxBlockingWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchDelay, TimeSpan.Zero, nameof(BatchDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchDelay, TimeSpan.FromSeconds(1), nameof(BatchDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(AbortMarkerTtl, TimeSpan.FromSeconds(2), nameof(AbortMarkerTtl));
        ArgumentOutOfRangeException.ThrowIfNegative(WaitForReplicas, nameof(WaitForReplicas));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReplicaWaitTimeout, TimeSpan.Zero, nameof(ReplicaWaitTimeout));
    }
}
