namespace Errand;

/// <summary>Code a worker runs at its start and stop, and around every job.</summary>
/// <remarks>Hooks run in the order added. A startup hook that throws stops the worker from starting; a before-process
/// hook that throws fails the job; after-process and shutdown hooks that throw are logged and skipped.</remarks>
public sealed class WorkerHooks
{
    /// <summary>Gets the hooks run once before the worker takes its first job.</summary>
    public IList<Func<Worker, CancellationToken, Task>> Startup { get; } = [];

    /// <summary>Gets the hooks run once after the worker has stopped taking jobs and its jobs have ended.</summary>
    public IList<Func<Worker, CancellationToken, Task>> Shutdown { get; } = [];

    /// <summary>Gets the hooks run before each job's function.</summary>
    public IList<Func<JobContext, Task>> BeforeProcess { get; } = [];

    /// <summary>Gets the hooks run after each job, also when it failed; they see its exception, or <see langword="null"/>.</summary>
    public IList<Func<JobContext, Exception?, Task>> AfterProcess { get; } = [];
}
