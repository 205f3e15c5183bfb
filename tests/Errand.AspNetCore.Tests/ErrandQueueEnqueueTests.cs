using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Errand.AspNetCore.Tests;

/// <summary>Enqueue-time behaviour of service-object jobs: names, stored kwargs, options, and every mistake caught before anything is stored.</summary>
public sealed class ErrandQueueEnqueueTests : IDisposable
{
    private const string Service = "Errand.AspNetCore.Tests.GreetingService";
    private readonly IHost _host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" });

    private IQueue Queue => _host.Services.GetRequiredService<IQueue>();

    [Fact]
    public async Task EnqueueForServiceAsync_NamedArguments_StoresSnakeCaseKwargsUnderStableFunctionName()
    {
        var job = await Queue.EnqueueForServiceAsync<GreetingService>(
            nameof(GreetingService.GreetAsync), new { greeting = new Greeting("Ada", 2) }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal($"{Service}.GreetAsync", job.Function);
        Assert.Equal("""{"greeting":{"name":"Ada","times":2}}""", job.Kwargs!.Value.GetRawText());
    }

    [Fact]
    public async Task EnqueueAsync_Expression_EvaluatesArgumentsNowAndSkipsWorkerParameters()
    {
        var label = "first";
        var job = await Queue.EnqueueAsync<GreetingService>(s => s.RecordScopeAsync(label, default, null!), cancellationToken: TestContext.Current.CancellationToken);
        label = "changed";

        Assert.Equal($"{Service}.RecordScopeAsync", job.Function);
        Assert.Equal("""{"label":"first"}""", job.Kwargs!.Value.GetRawText());
    }

    [Fact]
    public async Task EnqueueForServiceAsync_PascalCaseAndSnakeCaseNames_BindToTheSameParameter()
    {
        var pascal = await Queue.EnqueueForServiceAsync<GreetingService>("AddAsync", new Dictionary<string, object?> { ["A"] = 1, ["b"] = 2 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("""{"a":1,"b":2}""", pascal.Kwargs!.Value.GetRawText());
    }

    [Fact]
    public async Task EnqueueAsync_MethodAttribute_SetsDefaultsThatTheCallOverrides()
    {
        var ct = TestContext.Current.CancellationToken;
        var byAttribute = await Queue.EnqueueAsync<GreetingService>(s => s.FailWithBackoffAsync(), cancellationToken: ct);
        var overridden = await Queue.EnqueueAsync<GreetingService>(s => s.FailWithBackoffAsync(), new JobOptions { Retries = 7, Timeout = TimeSpan.FromSeconds(5) }, ct);

        Assert.Equal((2, 42, 300, true, 1.0), (byAttribute.Retries, byAttribute.Timeout, byAttribute.Ttl, byAttribute.RetryBackoff, byAttribute.RetryBackoffCap!.Value));
        Assert.Equal((7, 5, 300, true), (overridden.Retries, overridden.Timeout, overridden.Ttl, overridden.RetryBackoff));
    }

    [Fact]
    public async Task AddJobService_MethodOptions_OverrideTheAttributeAndAreOverriddenByTheCall()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" }, errand: e => e.AddJobService<GreetingService>(o =>
            o.Methods[nameof(GreetingService.FailWithBackoffAsync)] = new JobOptions { Retries = 4, Ttl = TimeSpan.FromSeconds(60) }));
        var queue = host.Services.GetRequiredService<IQueue>();

        var configured = await queue.EnqueueAsync<GreetingService>(s => s.FailWithBackoffAsync(), cancellationToken: TestContext.Current.CancellationToken);
        var called = await queue.EnqueueAsync<GreetingService>(s => s.FailWithBackoffAsync(), new JobOptions { Retries = 1 }, TestContext.Current.CancellationToken);

        Assert.Equal((4, 60, 42, true), (configured.Retries, configured.Ttl, configured.Timeout, configured.RetryBackoff));
        Assert.Equal((1, 60), (called.Retries, called.Ttl));
    }

    [Fact]
    public async Task EnqueueForServiceAsync_UnknownMethod_ThrowsNamingThePublicMethods()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("SendAsync", null, null, TestContext.Current.CancellationToken));

        Assert.Contains("has no method 'SendAsync'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GreetAsync", ex.Message, StringComparison.Ordinal);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task EnqueueForServiceAsync_NonPublicMethod_Throws()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("HiddenAsync", null, null, TestContext.Current.CancellationToken));

        Assert.Contains("not a public instance method", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_OverloadedMethod_Throws()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("Overloaded", new { a = 1 }, null, TestContext.Current.CancellationToken));

        Assert.Contains("overloaded", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_MissingArgument_ThrowsNamingIt()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("AddAsync", new { a = 1 }, null, TestContext.Current.CancellationToken));

        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task EnqueueForServiceAsync_ExtraArgument_ThrowsNamingIt()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("AddAsync", new { a = 1, b = 2, c = 3 }, null, TestContext.Current.CancellationToken));

        Assert.Contains("no parameter 'c'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_ArgumentOfWrongType_ThrowsNamingParameterAndType()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("GreetAsync", new { greeting = "Ada" }, null, TestContext.Current.CancellationToken));

        Assert.Contains("'greeting'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Greeting), ex.Message, StringComparison.Ordinal);
        Assert.IsType<JobArgumentsException>(ex.InnerException);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_NullForNonNullableParameter_Throws_NullForNullableIsStored()
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("GreetAsync", new Dictionary<string, object?> { ["greeting"] = null }, null, ct));
        var job = await Queue.EnqueueForServiceAsync<GreetingService>("NullableAsync", new Dictionary<string, object?> { ["greeting"] = null }, null, ct);

        Assert.Equal(JsonValueKind.Null, job.Kwargs!.Value.GetProperty("greeting").ValueKind);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_WorkerSuppliedParameterPassed_Throws()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueForServiceAsync<GreetingService>("RecordScopeAsync", new { label = "x", cancellationToken = 1 }, null, TestContext.Current.CancellationToken));

        Assert.Contains("given by the worker", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueForServiceAsync_ServiceNotAddedAsJobService_ThrowsNamingTheCall()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Queue.EnqueueForServiceAsync<NotAJobService>("RunAsync", null, null, TestContext.Current.CancellationToken));

        Assert.Contains("AddJobService<NotAJobService>()", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueAsync_JobServiceMissingFromContainer_Throws()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" }, errand: e => e.AddJobService<IUnregisteredService>());
        var queue = host.Services.GetRequiredService<IQueue>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync<IUnregisteredService>(s => s.RunAsync(), null, TestContext.Current.CancellationToken));

        Assert.Contains("not registered in the service container", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueAsync_ExpressionNotCallingTheService_Throws()
    {
        var other = new GreetingService(new Signals(), new ScopeProbe());

        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync<GreetingService>(_ => other.AddAsync(1, 2).AsTask(), null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AddJobService_ConfiguredServiceName_NamesTheFunction()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" }, errand: e => e.AddJobService<NotAJobService>(o => o.ServiceName = "legacy"));

        var job = await host.Services.GetRequiredService<IQueue>().EnqueueForServiceAsync<NotAJobService>("RunAsync", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("legacy.RunAsync", job.Function);
    }

    public void Dispose() => _host.Dispose();

    private async Task AssertNothingStoredAsync() =>
        Assert.Equal(0, (await Queue.CountAsync(TestContext.Current.CancellationToken)).Incomplete);
}
