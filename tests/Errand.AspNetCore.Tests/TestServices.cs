namespace Errand.AspNetCore.Tests;

public sealed record Greeting(string Name, int Times);

/// <summary>Signals from job methods to the test (river's test signals): no sleeps.</summary>
public sealed class Signals
{
    private readonly object _gate = new();
    private readonly List<TaskCompletionSource<object?>> _waiters = [];

    public List<object?> Seen { get; } = [];

    public int Attempts;

    public void Signal(object? value)
    {
        lock (_gate)
        {
            Seen.Add(value);
            foreach (var waiter in _waiters)
            {
                waiter.TrySetResult(value);
            }

            _waiters.Clear();
        }
    }

    public Task<object?> NextAsync()
    {
        var waiter = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add(waiter);
        }

        return waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

public sealed class ScopeProbe
{
    public Guid Id { get; } = Guid.NewGuid();
}

public sealed class GreetingService(Signals signals, ScopeProbe scope)
{
    [Job]
    public Task<string> GreetAsync(Greeting greeting, string punctuation = "!") =>
        Task.FromResult(string.Concat(Enumerable.Repeat($"Hello {greeting.Name}{punctuation}", greeting.Times)));

    [Job]
    public Task RecordScopeAsync(string label, CancellationToken cancellationToken, JobContext context)
    {
        signals.Signal((label, scope.Id, cancellationToken.CanBeCanceled, context.Job.Key));
        return Task.CompletedTask;
    }

    [Job]
    public ValueTask<int> AddAsync(int a, int b) => ValueTask.FromResult(a + b);

    [Job(Retries = 3, RetryDelay = 0)]
    public Task FailAsync(string reason)
    {
        Interlocked.Increment(ref signals.Attempts);
        throw new InvalidOperationException($"Failing on purpose: {reason}");
    }

    [Job(Retries = 2, RetryDelay = 0.001, RetryBackoff = true, RetryBackoffCap = 1, Timeout = 42, Ttl = 300)]
    public Task FailWithBackoffAsync()
    {
        Interlocked.Increment(ref signals.Attempts);
        throw new InvalidOperationException("Failing with backoff");
    }

    [Job]
    public async Task SlowAsync(string label, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref signals.Attempts);
        signals.Signal(attempt);
        if (attempt == 1)
        {
            // Runs until shutdown fires the token.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        }
    }

    [Job]
    public Task Overloaded(int a) => Task.CompletedTask;

    [Job]
    public Task Overloaded(string a) => Task.CompletedTask;

    [Job]
    public Task NullableAsync(Greeting? greeting) => Task.CompletedTask;

    /// <summary>A public method that has not opted in as a job (no [Job], no entry in JobServiceOptions.Methods).</summary>
    public Task<int> CountGreetingsAsync() => Task.FromResult(signals.Seen.Count);

    internal Task HiddenAsync() => Task.CompletedTask;
}

public interface IUnregisteredService
{
    Task RunAsync();
}

public sealed class NotAJobService
{
    [Job]
    public Task RunAsync() => Task.CompletedTask;
}
