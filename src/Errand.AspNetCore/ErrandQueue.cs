using System.Linq.Expressions;
using Errand.AspNetCore.JobServices;
using Errand.Backends;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore;

/// <summary>A <see cref="Queue"/> with service-method enqueueing; every other call goes to the queue.</summary>
internal sealed class ErrandQueue(Queue queue, JobServiceRegistry registry, IServiceProviderIsService isService) : IErrandQueue
{
    public Queue Queue { get; } = queue;

    public string Name => Queue.Name;

    public Task<Job> EnqueueForServiceAsync<TService>(string methodName, object? args = null, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TService : class
    {
        var method = Resolve<TService>().GetMethod(methodName);
        var kwargs = method.BuildKwargs(args, Queue.JsonOptions);
        return EnqueueAsync(method, kwargs, options, cancellationToken);
    }

    public Task<Job> EnqueueAsync<TService>(Expression<Func<TService, Task>> call, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TService : class =>
        Queue.EnqueueAsync(CreateJob(call, options), cancellationToken);

    public Job CreateJob<TService>(Expression<Func<TService, Task>> call, JobOptions? options = null)
        where TService : class
    {
        var service = Resolve<TService>();
        var (info, arguments) = JobCallExpression.Read(call);
        var method = service.GetMethod(info.Name);
        var kwargs = method.BuildKwargs(arguments, Queue.JsonOptions);
        return Queue.CreateJob(method.FunctionName, kwargs, (options ?? new JobOptions()).WithDefaults(method.Defaults));
    }

    public Task<Job> EnqueueAsync(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        Queue.EnqueueAsync(function, kwargs, options, cancellationToken);

    public Task<Job> EnqueueAsync(Job job, CancellationToken cancellationToken = default) => Queue.EnqueueAsync(job, cancellationToken);

    public Task<IReadOnlyList<Job>> EnqueueManyAsync(string function, IEnumerable<object?> kwargs, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        Queue.EnqueueManyAsync(function, kwargs, options, cancellationToken);

    public Task<IReadOnlyList<Job>> EnqueueManyAsync(IEnumerable<Job> jobs, CancellationToken cancellationToken = default) => Queue.EnqueueManyAsync(jobs, cancellationToken);

    public Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken = default) => Queue.GetJobAsync(key, cancellationToken);

    public Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => Queue.GetJobsAsync(keys, cancellationToken);

    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default) => Queue.ListJobsAsync(query, cancellationToken);

    public IAsyncEnumerable<Job> IterateJobsAsync(JobStatus? status = null, CancellationToken cancellationToken = default) => Queue.IterateJobsAsync(status, cancellationToken);

    public Task<QueueCounts> CountAsync(CancellationToken cancellationToken = default) => Queue.CountAsync(cancellationToken);

    public Task<QueueInfo> InfoAsync(int jobs = 10, CancellationToken cancellationToken = default) => Queue.InfoAsync(jobs, cancellationToken);

    public Task UpdateAsync(Job job, double? progress = null, IReadOnlyDictionary<string, object?>? meta = null, CancellationToken cancellationToken = default) =>
        Queue.UpdateAsync(job, progress, meta, cancellationToken);

    public Task<Job?> AbortAsync(string key, string reason = "aborted", CancellationToken cancellationToken = default) => Queue.AbortAsync(key, reason, cancellationToken);

    public Task<Job?> RetryAsync(string key, CancellationToken cancellationToken = default) => Queue.RetryAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<Job?> RetryAsync(string key, bool force, CancellationToken cancellationToken = default) => Queue.RetryAsync(key, force, cancellationToken);

    public Task<Job> WaitAsync(string key, TimeSpan timeout, CancellationToken cancellationToken = default) => Queue.WaitAsync(key, timeout, cancellationToken);

    public Task<TResult?> ApplyAsync<TResult>(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        Queue.ApplyAsync<TResult>(function, kwargs, options, cancellationToken);

    public Task<IReadOnlyList<JobOutcome<TResult>>> MapAsync<TResult>(string function, IEnumerable<object?> kwargs, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Queue.MapAsync<TResult>(function, kwargs, options, cancellationToken);

    private JobService Resolve<TService>()
    {
        var service = registry.Get(typeof(TService));
        if (!isService.IsService(typeof(TService)))
        {
            throw new InvalidOperationException(
                $"{typeof(TService).FullName} is a job service but is not registered in the service container, so no worker could create it; register it (for example services.AddScoped<{typeof(TService).Name}>()).");
        }

        return service;
    }

    private Task<Job> EnqueueAsync(JobMethod method, Dictionary<string, System.Text.Json.JsonElement> kwargs, JobOptions? options, CancellationToken cancellationToken) =>
        Queue.EnqueueAsync(method.FunctionName, kwargs, (options ?? new JobOptions()).WithDefaults(method.Defaults), cancellationToken);
}
