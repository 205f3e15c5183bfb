namespace Errand.Backends;

/// <summary>Says what a backend can do beyond the contract's minimum.</summary>
[Flags]
public enum BackendCapabilities
{
    /// <summary>Nothing more.</summary>
    None = 0,

    /// <summary>An idle <see cref="IQueueBackend.DequeueAsync"/> wakes as soon as a job is enqueued, without polling.</summary>
    BlockingDequeue = 1,

    /// <summary>Status changes reach subscribers in other processes.</summary>
    CrossProcessNotifications = 2,

    /// <summary>Jobs survive a restart of the process.</summary>
    Durable = 4,

    /// <summary>The store enforces <see cref="QueueLimits"/> across every process (<see cref="IQueueBackend.SetLimitsAsync"/>).</summary>
    Limits = 8,
}
