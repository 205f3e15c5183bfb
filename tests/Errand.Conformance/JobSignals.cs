namespace Errand.Conformance;

/// <summary>Test signals: wait for a job to reach a status, woken by the backend's notifications, never by sleeping.</summary>
public static class JobSignals
{
    /// <summary>Waits until the stored job <paramref name="key"/> has <paramref name="status"/>.</summary>
    public static async Task<Job> WaitForStatusAsync(IQueue queue, Backends.IQueueBackend backend, string key, JobStatus status, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var subscription = await backend.SubscribeAsync([key], cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Job? job = null;
        try
        {
            while (true)
            {
                job = await queue.GetJobAsync(key, deadline.Token);
                if (job?.Status == status)
                {
                    return job;
                }

                await subscription.Changes.ReadAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Job {key} did not reach {status.ToWire()} within {timeout}; last seen {job?.Status.ToWire() ?? "missing"}.");
        }
    }
}
