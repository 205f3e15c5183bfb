using Errand.AspNetCore.JobServices;
using Errand.Backends;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Testing;

/// <summary>Runs a queue's jobs inside a test, on demand and on a fake clock, and asserts what was enqueued: the worker of a test.</summary>
/// <remarks>
/// <para>
/// Jobs run through a real <see cref="Worker"/> in burst mode with concurrency 1 (one job at a time, in the queue's
/// order), so they run exactly as a worker runs them: arguments bound from the stored kwargs, timeouts, retries,
/// hooks, the outcome stored in the queue. The queue may be any <see cref="Queue"/>: in memory (what
/// <c>AddErrandTesting</c> gives), or a Redis or PostgreSQL one when a test wants the real store.
/// </para>
/// <para>Not safe for concurrent use: a test drives one tester from one flow.</para>
/// </remarks>
public sealed partial class ErrandTester : IDisposable
{
    private readonly Queue _queue;
    private readonly ErrandTesterOptions _options;
    private readonly JobServiceRegistry? _registry;
    private readonly Worker _worker;
    private readonly Worker _single;
    private readonly List<string> _attempts = [];

    /// <summary>Initializes a tester for <paramref name="queue"/>, running <paramref name="functions"/>.</summary>
    /// <param name="queue">The queue: a <see cref="Queue"/>, as a factory or <c>AddErrand</c> creates it.</param>
    /// <param name="functions">The functions its jobs call.</param>
    /// <param name="options">The clock, cron jobs and services, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="queue"/> is not a <see cref="Queue"/>; or a cron job names an unregistered function.</exception>
    public ErrandTester(IQueue queue, JobFunctions functions, ErrandTesterOptions? options = null)
        : this(queue, functions, options, registry: null)
    {
    }

    internal ErrandTester(IQueue queue, JobFunctions functions, ErrandTesterOptions? options, JobServiceRegistry? registry)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(functions);
        _queue = queue as Queue
            ?? throw new ArgumentException($"The tester runs jobs with a Worker, which needs an Errand Queue; got {queue.GetType().FullName}.", nameof(queue));
        _options = options ?? new ErrandTesterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxAttemptsPerDrain, 1, nameof(options));
        _registry = registry;
        // A pass stops one attempt past the drain's limit, so that a job enqueuing itself for ever ends in an error, not a hang.
        _worker = CreateWorker(functions, maxJobs: _options.MaxAttemptsPerDrain + 1, _options.CronJobs);
        _single = CreateWorker(functions, maxJobs: 1, []);
    }

    /// <summary>Gets the queue the tester runs and reads.</summary>
    public Queue Queue => _queue;

    /// <summary>Gets the fake clock <see cref="AdvanceAsync"/> moves, or <see langword="null"/> when the tester runs on the system clock.</summary>
    public FakeTimeProvider? Clock => _options.Clock;

    /// <summary>Gets the counters of every job attempt the tester has run.</summary>
    public WorkerStats Stats => Sum(_worker.Stats, _single.Stats);

    /// <summary>Releases the tester's workers.</summary>
    public void Dispose()
    {
        _worker.Dispose();
        _single.Dispose();
    }

    private Worker CreateWorker(JobFunctions functions, int? maxJobs, IEnumerable<Cron.CronJob> cronJobs)
    {
        var options = new WorkerOptions
        {
            Concurrency = 1,
            Burst = true,
            MaxBurstJobs = maxJobs,
            // The schedule runs at the start of every pass; its lock must not outlive the instant of the fake clock.
            ScheduleInterval = TimeSpan.FromMilliseconds(1),
        };
        foreach (var cron in cronJobs)
        {
            options.CronJobs.Add(cron);
        }

        var worker = new Worker(_queue, functions, options, (TimeProvider?)_options.Clock, _options.LoggerFactory, _options.Services);
        worker.Hooks.AfterProcess.Add((context, _) =>
        {
            lock (_attempts)
            {
                _attempts.Add(context.Job.Key);
            }

            return Task.CompletedTask;
        });
        return worker;
    }

    private static WorkerStats Sum(WorkerStats a, WorkerStats b) =>
        new(a.Complete + b.Complete, a.Failed + b.Failed, a.Retried + b.Retried, a.Aborted + b.Aborted, Math.Max(a.UptimeMs, b.UptimeMs));
}
