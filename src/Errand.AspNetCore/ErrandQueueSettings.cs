namespace Errand.AspNetCore;

/// <summary>Settings of one named queue (<c>Errand:Queues:NAME</c>); each one left unset takes the application-wide setting.</summary>
public sealed class ErrandQueueSettings
{
    /// <summary>Gets or sets how many jobs this queue's in-process worker runs at the same time.</summary>
    /// <value>The default is unset (<c>Errand:Worker:Concurrency</c>).</value>
    public int? Concurrency { get; set; }

    /// <summary>Gets or sets the job options of this queue, over <see cref="ErrandOptions.JobDefaults"/>.</summary>
    /// <value>The default sets nothing.</value>
    public JobOptions JobDefaults { get; set; } = new();

    /// <summary>Gets or sets this queue's limits (<c>Errand:Queues:NAME:Limits:Functions:FUNCTION:Concurrency</c>, <c>...:Limits:Keys:Rate</c>, <c>...:Period</c>); the queue's worker writes them to the store when it starts.</summary>
    /// <value>The default is none: the limits another process stored stay in force.</value>
    public QueueLimits? Limits { get; set; }
}
