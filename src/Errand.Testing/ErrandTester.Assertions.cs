using System.Linq.Expressions;
using System.Text;
using System.Text.Json;

namespace Errand.Testing;

/// <content>Assertions on what was enqueued.</content>
public sealed partial class ErrandTester
{
    /// <summary>Returns every job the queue holds, whatever its status (queued, scheduled, running or finished and kept for its TTL), oldest first (jobs of the same millisecond by key).</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The jobs.</returns>
    public async Task<IReadOnlyList<Job>> GetJobsAsync(CancellationToken cancellationToken = default)
    {
        var jobs = new List<Job>();
        await foreach (var job in _queue.IterateJobsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(job);
        }

        return [.. jobs.OrderBy(j => j.Queued).ThenBy(j => j.Key, StringComparer.Ordinal)];
    }

    /// <summary>Asserts that a job of <paramref name="function"/> was enqueued (it is stored, in any status).</summary>
    /// <param name="function">The function name.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The first such job, as stored.</returns>
    /// <exception cref="JobAssertionException">No such job; the message lists the jobs the queue holds.</exception>
    public Task<Job> AssertEnqueuedAsync(string function, CancellationToken cancellationToken = default) =>
        AssertOneAsync(function, _ => true, $"a job of {function}", cancellationToken);

    /// <summary>Asserts that a job of <paramref name="function"/> with exactly these arguments was enqueued.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">The arguments, as given to <see cref="IQueue.EnqueueAsync(string, object?, JobOptions?, CancellationToken)"/>: compared as JSON, written with the queue's JSON options (snake_case by default).</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The first such job, as stored.</returns>
    /// <exception cref="JobAssertionException">No such job; the message lists the jobs the queue holds.</exception>
    public Task<Job> AssertEnqueuedAsync(string function, object kwargs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        var expected = kwargs is JsonElement element ? element : JsonSerializer.SerializeToElement(kwargs, kwargs.GetType(), _queue.JsonOptions);
        return AssertOneAsync(function, job => job.Kwargs is { } stored && JsonElement.DeepEquals(stored, expected), $"a job of {function} with kwargs {expected.GetRawText()}", cancellationToken);
    }

    /// <summary>Asserts that a job of <paramref name="function"/> whose stored kwargs satisfy <paramref name="kwargs"/> was enqueued.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">The condition on the stored kwargs (a JSON object).</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The first such job, as stored.</returns>
    /// <exception cref="JobAssertionException">No such job; the message lists the jobs the queue holds.</exception>
    public Task<Job> AssertEnqueuedAsync(string function, Func<JsonElement, bool> kwargs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        return AssertOneAsync(function, job => job.Kwargs is { } stored && kwargs(stored), $"a job of {function} with kwargs matching the condition", cancellationToken);
    }

    /// <summary>Asserts that a call of a <typeparamref name="TService"/> method was enqueued with matching arguments: each one equal as JSON, or matched by <see cref="Arg.Is{T}"/> or <see cref="Arg.Any{T}"/>.</summary>
    /// <typeparam name="TService">The job service.</typeparam>
    /// <param name="call">The expected call, as in <c>s =&gt; s.SendAsync(Arg.Is&lt;AuthorDto&gt;(a =&gt; a.Name == "Ada"), default)</c>; <see cref="CancellationToken"/> and <see cref="JobContext"/> arguments are not compared.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The first such job, as stored.</returns>
    /// <exception cref="JobAssertionException">No such job; the message lists the jobs the queue holds.</exception>
    /// <exception cref="ArgumentException">The expression is not a call of one method of the service.</exception>
    public Task<Job> AssertEnqueuedAsync<TService>(Expression<Func<TService, Task>> call, CancellationToken cancellationToken = default)
        where TService : class
    {
        var expected = ReadCall<TService>(call);
        return AssertOneAsync(expected.Function, expected.Matches, $"a job of {expected.Function}({expected.Describe()})", cancellationToken);
    }

    /// <summary>Asserts that exactly <paramref name="count"/> jobs of <paramref name="function"/> were enqueued.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="count">The number expected; zero asserts that none was.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The jobs, oldest first.</returns>
    /// <exception cref="JobAssertionException">Another number of them; the message lists the jobs the queue holds.</exception>
    public Task<IReadOnlyList<Job>> AssertEnqueuedCountAsync(string function, int count, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        return AssertCountAsync(job => string.Equals(job.Function, function, StringComparison.Ordinal), count, $"jobs of {function}", cancellationToken);
    }

    /// <summary>Asserts that exactly <paramref name="count"/> calls of a <typeparamref name="TService"/> method matching <paramref name="call"/> were enqueued.</summary>
    /// <typeparam name="TService">The job service.</typeparam>
    /// <param name="call">The expected call, as for <see cref="AssertEnqueuedAsync{TService}"/>.</param>
    /// <param name="count">The number expected.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The matching jobs, oldest first.</returns>
    /// <exception cref="JobAssertionException">Another number of them; the message lists the jobs the queue holds.</exception>
    public Task<IReadOnlyList<Job>> AssertEnqueuedCountAsync<TService>(Expression<Func<TService, Task>> call, int count, CancellationToken cancellationToken = default)
        where TService : class
    {
        var expected = ReadCall<TService>(call);
        return AssertCountAsync(expected.Matches, count, $"jobs of {expected.Function}({expected.Describe()})", cancellationToken);
    }

    /// <summary>Asserts that the queue holds no job at all.</summary>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>A task that completes when the assertion holds.</returns>
    /// <exception cref="JobAssertionException">The queue holds jobs; the message lists them.</exception>
    public async Task AssertNothingEnqueuedAsync(CancellationToken cancellationToken = default) =>
        await AssertCountAsync(_ => true, 0, "jobs", cancellationToken).ConfigureAwait(false);

    private ServiceCall ReadCall<TService>(Expression<Func<TService, Task>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var name = _registry?.Services.FirstOrDefault(s => s.Type == typeof(TService))?.Name ?? typeof(TService).FullName!;
        return ServiceCall.Read(call, name, _queue.JsonOptions);
    }

    private async Task<Job> AssertOneAsync(string function, Func<Job, bool> matches, string expected, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        var jobs = await GetJobsAsync(cancellationToken).ConfigureAwait(false);
        return jobs.FirstOrDefault(j => string.Equals(j.Function, function, StringComparison.Ordinal) && matches(j))
            ?? throw new JobAssertionException($"Expected {expected} in queue '{_queue.Name}'. {Holds(jobs)}");
    }

    private async Task<IReadOnlyList<Job>> AssertCountAsync(Func<Job, bool> matches, int count, string what, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var jobs = await GetJobsAsync(cancellationToken).ConfigureAwait(false);
        var matching = jobs.Where(matches).ToList();
        return matching.Count == count
            ? matching
            : throw new JobAssertionException($"Expected {count} {what} in queue '{_queue.Name}', found {matching.Count}. {Holds(jobs)}");
    }

    private static string Holds(IReadOnlyList<Job> jobs)
    {
        if (jobs.Count == 0)
        {
            return "The queue holds no job.";
        }

        var text = new StringBuilder($"The queue holds {jobs.Count} job{(jobs.Count == 1 ? string.Empty : "s")}:");
        foreach (var job in jobs)
        {
            var kwargs = job.Kwargs?.GetRawText() ?? "null";
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  {job.Function} {kwargs} ({job.Status.ToString().ToLowerInvariant()}, key {job.Key})");
        }

        return text.ToString();
    }
}
