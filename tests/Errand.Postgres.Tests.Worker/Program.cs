// A worker process for Errand.Postgres.Tests: Program URL QUEUE. Functions: sleep {"seconds": N} -> N.
// Sweep and worker info every second, so that a killed worker's job is found quickly.
using Errand;
using Errand.Postgres;

if (args.Length != 2)
{
    return 2;
}

using var stop = new CancellationTokenSource();
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
await using var queue = await PostgresQueue.ConnectAsync(args[0], args[1]);
var functions = new JobFunctions().Add<SleepArgs, double>("sleep", async (a, context) =>
{
    await Task.Delay(TimeSpan.FromSeconds(a.Seconds), TimeProvider.System, context.CancellationToken);
    return a.Seconds;
});
var options = new WorkerOptions { SweepInterval = TimeSpan.FromSeconds(1), WorkerInfoInterval = TimeSpan.FromSeconds(1) };
using var worker = new Worker(queue, functions, options);
await worker.RunAsync(stop.Token);
return 0;

internal sealed record SleepArgs(double Seconds);
