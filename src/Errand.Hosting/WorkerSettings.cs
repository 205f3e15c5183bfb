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
        if (configuration.GetValue<int?>("Errand:Concurrency") is { } configured)
        {
            worker.Concurrency = configured;
        }

        builder.ApplyWorkerOptions(worker);
        if (values.Concurrency is { } concurrency)
        {
            worker.Concurrency = concurrency;
        }

        worker.Validate();
        var url = values.Url ?? configuration["Errand:Url"];
        var queue = values.Queue ?? configuration["Errand:Queue"] ?? DefaultQueue;
        return new WorkerSettings(string.IsNullOrWhiteSpace(url) ? null : url, queue, worker);
    }
}
