using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Errand.AspNetCore.Tests;

/// <summary>The enqueuing request's trace continues in the job's span, as OpenTelemetry's in-memory exporter sees it.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task PostAuthor_RequestTrace_ContinuesInTheEmailJobSpan()
    {
        var exported = new List<Activity>();
        var requestEnded = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobEnded = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await AuthorsHost.StartAsync(configure: b => b.Services.AddOpenTelemetry().WithTracing(t => t
            .AddSource("Microsoft.AspNetCore", "Errand")
            .AddInMemoryExporter(exported)
            .AddProcessor(new SignalOnEnd(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server, requestEnded))
            .AddProcessor(new SignalOnEnd(a => a.Source.Name == "Errand" && a.DisplayName.Contains("SendAuthorCreatedEmailAsync", StringComparison.Ordinal), jobEnded))));

        var response = await host.Client.PostAsJsonAsync("/authors", new { name = "Ada Lovelace" }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var request = await requestEnded.Task.WaitAsync(TestHosts.Timeout, TestContext.Current.CancellationToken);
        var job = await jobEnded.Task.WaitAsync(TestHosts.Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(request.TraceId, job.TraceId);
        Assert.Equal(request.SpanId, job.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        lock (exported)
        {
            Assert.Contains(job, exported);
        }
    }

    private sealed class SignalOnEnd(Func<Activity, bool> match, TaskCompletionSource<Activity> signal) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            if (match(data))
            {
                signal.TrySetResult(data);
            }
        }
    }
}
