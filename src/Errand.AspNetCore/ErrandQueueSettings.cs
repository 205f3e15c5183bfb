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
}
