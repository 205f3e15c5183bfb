using Microsoft.Extensions.Configuration;

namespace Errand.Hosting;

/// <summary>What one worker process runs, resolved from the command line over the configuration.</summary>
internal sealed record WorkerSettings(string? Url, string Queue, WorkerOptions Worker)
{
    public const string DefaultQueue = "default";

    public static WorkerSettings Resolve(WorkerCommandLine.Values values, ErrandWorkerBuilder builder)
    {
        var configuration = builder.Configuration;
        var worker = new WorkerOptions();
        configuration.GetSection("Errand:Worker").Bind(worker);
        builder.ApplyWorkerOptions(worker);
        if (values.Concurrency is { } concurrency)
        {
            worker.Concurrency = concurrency;
        }

        worker.Validate();
        var url = values.Url ?? configuration["Errand:Url"];
        url = string.IsNullOrWhiteSpace(url) ? null : url;

        // A URL no backend takes is a settings error (exit 2), said before anything connects.
        BuiltInStores.Schemes.Find(url);
        var queue = values.Queue ?? configuration["Errand:Queue"] ?? DefaultQueue;
        return new WorkerSettings(url, queue, worker);
    }
}
