namespace Errand.Hosting;

/// <summary>What the hosted worker runs, and how it ended.</summary>
internal sealed class WorkerRun(WorkerSettings settings, JobFunctions functions, QueueOptions queueOptions)
{
    public WorkerSettings Settings { get; } = settings;

    public JobFunctions Functions { get; } = functions;

    public QueueOptions QueueOptions { get; } = queueOptions;

    /// <summary>Gets or sets the queue the worker takes jobs from; set once the host's logging exists, before the host runs.</summary>
    public Queue? Queue { get; set; }

    /// <summary>Gets or sets the process exit code: 0 unless the worker stopped with an error.</summary>
    public int ExitCode { get; set; }
}
