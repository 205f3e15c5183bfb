namespace Errand.Redis.Tests;

/// <summary>What a caller that rides out a failover does.</summary>
internal static class Outages
{
    /// <summary>
    /// Waits for job <paramref name="key"/> to end, asking again after a <see cref="BackendUnavailableException"/>: a wait
    /// whose read comes while the primary is down and no replica is promoted yet gets one, as any caller would.
    /// </summary>
    public static async Task<Job> WaitThroughOutageAsync(Queue queue, string key, TimeSpan patience)
    {
        var ct = TestContext.Current.CancellationToken;
        var deadline = TimeProvider.System.GetUtcNow() + patience;
        while (true)
        {
            try
            {
                return await queue.WaitAsync(key, deadline - TimeProvider.System.GetUtcNow(), ct);
            }
            catch (BackendUnavailableException) when (TimeProvider.System.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, ct);
            }
        }
    }
}
