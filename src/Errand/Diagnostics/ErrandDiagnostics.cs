using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Errand;

/// <summary>Errand's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Errand</c>; instrument names are listed in docs/telemetry.md.</summary>
internal static class ErrandDiagnostics
{
    public const string Name = "Errand";
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    public static readonly ActivitySource Source = new(Name, typeof(ErrandDiagnostics).Assembly.GetName().Version?.ToString());
    public static readonly Meter Meter = new(Name, typeof(ErrandDiagnostics).Assembly.GetName().Version?.ToString());
    public static readonly Counter<long> Enqueued = Meter.CreateCounter<long>("errand.jobs.enqueued", "{job}", "Jobs enqueued.");
    public static readonly Counter<long> Finished = Meter.CreateCounter<long>("errand.jobs.finished", "{job}", "Attempts ended, by outcome (complete, failed, retried, aborted).");
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("errand.job.duration", "s", "Time a job attempt ran.");

    /// <summary>Carries the caller's trace in the job's meta (W3C traceparent), so the job's span continues it.</summary>
    public static void InjectTraceContext(Job job)
    {
        if (Activity.Current is not { } current || job.Meta.ContainsKey(TraceParent))
        {
            return;
        }

        job.Meta[TraceParent] = JsonSerializer.SerializeToElement(current.Id);
        if (!string.IsNullOrEmpty(current.TraceStateString))
        {
            job.Meta[TraceState] = JsonSerializer.SerializeToElement(current.TraceStateString);
        }
    }

    public static Activity? StartProcess(Job job)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(
            job.Meta.TryGetValue(TraceParent, out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null,
            job.Meta.TryGetValue(TraceState, out var state) && state.ValueKind == JsonValueKind.String ? state.GetString() : null,
            out var context);
        var activity = Source.StartActivity($"process {job.Function}", ActivityKind.Consumer, context);
        activity?.SetTag("errand.queue", job.Queue);
        activity?.SetTag("errand.job.key", job.Key);
        activity?.SetTag("errand.job.function", job.Function);
        activity?.SetTag("errand.job.attempt", job.Attempts);
        return activity;
    }
}
