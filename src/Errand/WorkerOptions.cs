using System.ComponentModel.DataAnnotations;
using Errand.Cron;

namespace Errand;

/// <summary>Options of a <see cref="Worker"/>; every default is SAQ's unless said otherwise.</summary>
public sealed class WorkerOptions
{
    /// <summary>Gets or sets how many jobs one worker runs at the same time.</summary>
    /// <value>The default is 10.</value>
    [Range(1, 10_000)]
    public int Concurrency { get; set; } = 10;

    /// <summary>Gets or sets the worker id, written in its worker info and in the jobs it takes (SAQ's custom ids such as <c>host:1</c> are fine).</summary>
    /// <value>The default is a new UUID.</value>
    public string? WorkerId { get; set; }

    /// <summary>Gets or sets how long running jobs may finish after shutdown starts, before their tokens fire.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long one idle wait for a job lasts before it is renewed (it ends early when a job comes).</summary>
    /// <value>The default is 1 second; shutdown may wait this long for the wait to end.</value>
    public TimeSpan DequeueWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often scheduled jobs and cron jobs are moved to the ready list.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan ScheduleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often the sweeper looks for jobs that no live worker will finish.</summary>
    /// <value>The default is 60 seconds.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how often the worker checks whether its running jobs were aborted.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan AbortCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often the worker reads its queue's paused flag from the store, besides hearing its changes: the longest a lost notification delays a pause or a resume.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan PauseCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often the worker writes its worker info; the info expires one second after the next write was due.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan WorkerInfoInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets whether the worker stops once the queue has no ready job and none is running.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Burst { get; set; }

    /// <summary>Gets or sets the most jobs a burst worker takes before it stops; <see langword="null"/> for no limit.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? MaxBurstJobs { get; set; }

    /// <summary>Gets the cron jobs this worker schedules.</summary>
    public IList<CronJob> CronJobs { get; } = [];

    /// <summary>Gets free metadata written in the worker info (next to host, process id and functions).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the time the worker counts as alive after writing its info.</summary>
    internal TimeSpan WorkerInfoTtl => WorkerInfoInterval + TimeSpan.FromSeconds(1);

    /// <summary>Throws when an option is out of range, naming it and its bound.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Check(Concurrency >= 1, nameof(Concurrency), Concurrency, "at least 1");
        Check(ShutdownGracePeriod >= TimeSpan.Zero, nameof(ShutdownGracePeriod), ShutdownGracePeriod, "zero or more");
        Check(DequeueWait > TimeSpan.Zero, nameof(DequeueWait), DequeueWait, "more than zero");
        Check(ScheduleInterval > TimeSpan.Zero, nameof(ScheduleInterval), ScheduleInterval, "more than zero");
        Check(SweepInterval > TimeSpan.Zero, nameof(SweepInterval), SweepInterval, "more than zero");
        Check(AbortCheckInterval > TimeSpan.Zero, nameof(AbortCheckInterval), AbortCheckInterval, "more than zero");
        Check(PauseCheckInterval > TimeSpan.Zero, nameof(PauseCheckInterval), PauseCheckInterval, "more than zero");
        Check(WorkerInfoInterval > TimeSpan.Zero, nameof(WorkerInfoInterval), WorkerInfoInterval, "more than zero");
        Check(MaxBurstJobs is null or >= 1, nameof(MaxBurstJobs), MaxBurstJobs ?? 0, "at least 1");
        Check(WorkerId is null || WorkerId.Length > 0, nameof(WorkerId), WorkerId ?? string.Empty, "non-empty");
    }

    private static void Check(bool ok, string name, object value, string bound)
    {
        if (!ok)
        {
            throw new ArgumentException($"Worker option {name} is {value}; it must be {bound}.", name);
        }
    }
}
