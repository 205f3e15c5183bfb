using Errand.Cron;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Testing;

/// <summary>Options of an <see cref="ErrandTester"/>.</summary>
public sealed class ErrandTesterOptions
{
    /// <summary>Gets or sets the fake clock the queue's backend and the jobs read; <see cref="ErrandTester.AdvanceAsync"/> moves it.</summary>
    /// <value>The default is <see langword="null"/>: the system clock, and <see cref="ErrandTester.AdvanceAsync"/> throws.</value>
    public FakeTimeProvider? Clock { get; set; }

    /// <summary>Gets the cron jobs the tester's worker enqueues, as a worker with these <see cref="WorkerOptions.CronJobs"/> would.</summary>
    /// <value>The default is none.</value>
    public IList<CronJob> CronJobs { get; } = [];

    /// <summary>Gets or sets the services handed to job functions through <see cref="JobContext.Services"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IServiceProvider? Services { get; set; }

    /// <summary>Gets or sets the logger factory of the tester's worker.</summary>
    /// <value>The default is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the most job attempts one <see cref="ErrandTester.DrainAsync"/> runs before it stops with an error (a job that enqueues itself for ever).</summary>
    /// <value>The default is 1,000.</value>
    public int MaxAttemptsPerDrain { get; set; } = 1000;
}
