namespace Errand;

/// <summary>Computes the delay before a retry, as SAQ does.</summary>
internal static class RetryPolicy
{
    /// <summary>Returns the delay before the next attempt of <paramref name="job"/>.</summary>
    /// <remarks>With backoff: min(cap, delay x 2^(attempts-1)) x a random factor in [0, 1) (full jitter); else the fixed delay.</remarks>
    public static TimeSpan NextDelay(Job job, Random random)
    {
        if (!job.RetryBackoff)
        {
            return TimeSpan.FromSeconds(Math.Max(0, job.RetryDelay));
        }

        var exponential = job.RetryDelay * Math.Pow(2, Math.Max(job.Attempts - 1, 0));
        var capped = Math.Min(job.RetryBackoffCap ?? double.PositiveInfinity, exponential);
        return TimeSpan.FromSeconds(Math.Max(0, capped * random.NextDouble()));
    }
}
