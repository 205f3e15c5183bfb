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
        // Other tests run hosts in this process, and activity listeners see every host's spans: the request is told
        // apart by the trace it continues (a traceparent we send), the job by its key.
        var ended = System.Threading.Channels.Channel.CreateUnbounded<Activity>();
        var exported = new List<Activity>();
        await using var host = await AuthorsHost.StartAsync(configure: b => b.Services.AddOpenTelemetry().WithTracing(t => t
            .AddSource("Microsoft.AspNetCore", "Errand")
            .AddInMemoryExporter(exported)
            .AddProcessor(new SignalOnEnd(ended.Writer))));
        var traceId = ActivityTraceId.CreateRandom();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/authors") { Content = JsonContent.Create(new { name = "Ada Lovelace" }) };
        post.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        // The e-mail job is relayed after the request's commit: its key comes from the queue's notification.
        await using var changes = await ((Queue)host.Queue).Backend.SubscribeAsync(null, TestContext.Current.CancellationToken);
        (await host.Client.SendAsync(post, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var key = (await changes.Changes.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestHosts.Timeout, TestContext.Current.CancellationToken)).Key;
        await host.Queue.WaitAsync(key, TestHosts.Timeout, TestContext.Current.CancellationToken);
        Activity? request = null, job = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TestHosts.Timeout);
        while (request is null || job is null)
        {
            var span = await ended.Reader.ReadAsync(deadline.Token);
            if (span.Kind == ActivityKind.Server && span.TraceId == traceId)
            {
                request = span;
            }
            else if (span.Source.Name == "Errand" && span.GetTagItem("errand.job.key") as string == key)
            {
                job = span;
            }
        }

        Assert.Equal(traceId, job.TraceId);
        Assert.Equal(request.SpanId, job.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        lock (exported)
        {
            Assert.Contains(job, exported);
        }
    }

    private sealed class SignalOnEnd(System.Threading.Channels.ChannelWriter<Activity> ended) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => ended.TryWrite(data);
    }
}
