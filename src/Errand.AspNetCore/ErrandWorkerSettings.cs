namespace Errand.AspNetCore;

/// <summary>Settings of the in-process worker (<c>Errand:Worker</c>).</summary>
public sealed class ErrandWorkerSettings
{
    /// <summary>Gets or sets whether this process runs a worker for every queue; off, it only enqueues.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how long running jobs may finish after shutdown starts, before their tokens fire.</summary>
    /// <value>The default is unset: three quarters of the host's shutdown timeout (at most the timeout less 5 seconds), so that a job cut off is handed back before the host gives up.</value>
    public TimeSpan? ShutdownGracePeriod { get; set; }

    /// <summary>Gets or sets how long one idle wait for a job lasts before it is renewed.</summary>
    /// <value>The default is unset (1 second).</value>
    public TimeSpan? DequeueWait { get; set; }

    /// <summary>Gets or sets how often scheduled jobs are moved to the ready list.</summary>
    /// <value>The default is unset (1 second).</value>
    public TimeSpan? ScheduleInterval { get; set; }

    /// <summary>Gets or sets how often the sweeper runs.</summary>
    /// <value>The default is unset (60 seconds).</value>
    public TimeSpan? SweepInterval { get; set; }

    /// <summary>Gets or sets how often running jobs are checked for aborts.</summary>
    /// <value>The default is unset (1 second).</value>
    public TimeSpan? AbortCheckInterval { get; set; }

    /// <summary>Gets or sets how often the worker writes its worker info.</summary>
    /// <value>The default is unset (10 seconds).</value>
    public TimeSpan? WorkerInfoInterval { get; set; }
}
