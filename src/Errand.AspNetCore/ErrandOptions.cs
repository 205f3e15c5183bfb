namespace Errand.AspNetCore;

/// <summary>Errand's settings for an application, bound once from the configuration section <c>Errand</c>.</summary>
public sealed class ErrandOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Errand";

    /// <summary>Gets or sets where the queues are stored: <c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c>, <c>postgresql://user@host:port/db</c>; the backend of the scheme must be registered (<c>UseRedis</c>, <c>UsePostgres</c>).</summary>
    /// <value>The default is <see langword="null"/>: every queue is kept in this process's memory (said once in the log). A URL given in code (<c>UseRedis(url)</c>) wins over this one.</value>
    public string? Url { get; set; }

    /// <summary>Gets or sets the name of the default queue, the one <see cref="IQueue"/> and <see cref="IQueue"/> resolve to.</summary>
    /// <value>The default is <c>default</c>.</value>
    public string Queue { get; set; } = "default";

    /// <summary>Gets or sets whether this process runs a worker for every queue; off, it only enqueues.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool RunWorker { get; set; } = true;

    /// <summary>Gets or sets the options every job starts from, unless its queue, its method or the call sets them (<c>Errand:JobDefaults</c>).</summary>
    /// <value>The default sets nothing: SAQ's defaults (timeout 10 s, 1 attempt, kept 600 s).</value>
    public JobOptions JobDefaults { get; set; } = new();

    /// <summary>Gets the options of the in-process worker of every queue (<c>Errand:Worker</c>).</summary>
    /// <value>The defaults of <see cref="WorkerOptions"/>; the shutdown grace period is shortened to fit the host's shutdown timeout.</value>
    public WorkerOptions Worker { get; } = new();

    /// <summary>Gets further named queues, beside the default one, by name (<c>Errand:Queues:NAME</c>).</summary>
    /// <value>The default is none.</value>
    public IDictionary<string, ErrandQueueSettings> Queues { get; } = new Dictionary<string, ErrandQueueSettings>(StringComparer.Ordinal);

    /// <summary>Gets the cron jobs added in code (<c>AddCronJob</c>), with their queue (<see langword="null"/>: the default one).</summary>
    internal List<(string? Queue, Errand.Cron.CronJob CronJob)> CronJobs { get; } = [];

    /// <summary>Returns the cron jobs the worker of <paramref name="queue"/> schedules: those added for it, and for the default queue also <c>Worker.CronJobs</c>.</summary>
    internal IEnumerable<Errand.Cron.CronJob> CronJobsOf(string queue)
    {
        var isDefault = string.Equals(queue, Queue, StringComparison.Ordinal);
        return CronJobs.Where(c => c.Queue is null ? isDefault : string.Equals(c.Queue, queue, StringComparison.Ordinal))
            .Select(c => c.CronJob)
            .Concat(isDefault ? Worker.CronJobs : []);
    }

    /// <summary>Gets the names of every queue: the default one first.</summary>
    internal IReadOnlyList<string> QueueNames => [Queue, .. Queues.Keys.Where(name => !string.Equals(name, Queue, StringComparison.Ordinal))];

    /// <summary>Throws when a setting is out of range, naming it and its bound.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Queue))
        {
            throw new ArgumentException("Errand:Queue is empty; it must name the default queue.", nameof(Queue));
        }

        Worker.Validate();
        foreach (var (queue, cronJob) in CronJobs)
        {
            if (queue is not null && !QueueNames.Contains(queue, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Cron job '{cronJob.Name}' is for queue '{queue}', which is not configured (Errand:Queue, Errand:Queues).", nameof(CronJobs));
            }
        }

        foreach (var (name, queue) in Queues)
        {
            if (queue.Concurrency is < 1)
            {
                throw new ArgumentException($"Errand:Queues:{name}:Concurrency is {queue.Concurrency}; it must be at least 1.", nameof(Queues));
            }
        }
    }
}
