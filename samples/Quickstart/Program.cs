using System.Runtime.InteropServices;
using System.Text.Json;
using Errand;
using Errand.Backends;
using Errand.Postgres;
using Errand.Redis;
using Microsoft.Extensions.Logging;
using Quickstart;

// Usage:
//   dotnet run --project samples/Quickstart                      the demo, on the in-memory queue
//   ... worker  --url URL --queue NAME [--concurrency N]          a worker only
//   ... enqueue --url URL --queue NAME FUNCTION JSON [--wait]     enqueue one job (and print its result)
var command = args.Length > 0 ? args[0] : "demo";
var options = CommandLine.Parse(args.Skip(1).ToArray());
using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(options.Flag("verbose") ? LogLevel.Debug : LogLevel.Information)
    .AddFilter("Errand.Queue", LogLevel.Warning));

try
{
    return command switch
    {
        "demo" => await Demo.RunAsync(loggerFactory),
        "worker" => await RunWorkerAsync(options, loggerFactory),
        "enqueue" => await EnqueueAsync(options, loggerFactory),
        _ => CommandLine.Usage($"unknown command '{command}'"),
    };
}
catch (ArgumentException ex)
{
    return CommandLine.Usage(ex.Message);
}

static async Task<int> RunWorkerAsync(CommandLine options, ILoggerFactory loggerFactory)
{
    await using var store = await ConnectAsync(options.Required("url"), loggerFactory);
    await using var queue = new Queue(await store.OpenBackendAsync(options.Required("queue"), CancellationToken.None), loggerFactory: loggerFactory);
    using var stop = new CancellationTokenSource();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
    var workerOptions = new WorkerOptions { Concurrency = int.Parse(options.Value("concurrency") ?? "10", System.Globalization.CultureInfo.InvariantCulture) };
    if (options.Value("sweep-interval") is { } sweep)
    {
        workerOptions.SweepInterval = TimeSpan.FromSeconds(double.Parse(sweep, System.Globalization.CultureInfo.InvariantCulture));
    }

    if (options.Value("worker-info-interval") is { } info)
    {
        workerOptions.WorkerInfoInterval = TimeSpan.FromSeconds(double.Parse(info, System.Globalization.CultureInfo.InvariantCulture));
    }

    using var worker = new Worker(queue, QuickstartFunctions.Create(), workerOptions, loggerFactory: loggerFactory);
    await worker.RunAsync(stop.Token);
    return 0;
}

static async Task<int> EnqueueAsync(CommandLine options, ILoggerFactory loggerFactory)
{
    if (options.Positional.Count < 1)
    {
        return CommandLine.Usage("enqueue needs a FUNCTION");
    }

    var function = options.Positional[0];
    JsonElement? kwargs = options.Positional.Count > 1 ? JsonDocument.Parse(options.Positional[1]).RootElement : null;
    await using var store = await ConnectAsync(options.Required("url"), loggerFactory);
    await using var queue = new Queue(await store.OpenBackendAsync(options.Required("queue"), CancellationToken.None), loggerFactory: loggerFactory);
    var job = await queue.EnqueueAsync(function, kwargs, new JobOptions { Key = options.Value("key") });
    if (!options.Flag("wait"))
    {
        Console.WriteLine(job.Key);
        return 0;
    }

    var done = await queue.WaitAsync(job.Key, Timeout.InfiniteTimeSpan);
    if (done.Status == JobStatus.Complete)
    {
        Console.WriteLine(done.Result is { } result ? result.GetRawText() : "null");
        return 0;
    }

    await Console.Error.WriteLineAsync($"job {done.Key} {done.Status.ToWire()}: {done.Error}");
    return 1;
}

// The URL's scheme picks the backend: redis://, rediss://, postgres://, postgresql://.
static Task<IQueueStore> ConnectAsync(string url, ILoggerFactory loggerFactory) =>
    new QueueStoreSchemes([RedisQueueStoreProvider.Instance, PostgresQueueStoreProvider.Instance])
        .ConnectAsync(url, new QueueStoreOptions { LoggerFactory = loggerFactory }, CancellationToken.None);
