using Errand.Backends;

namespace Errand.Dashboard;

/// <summary>Reads pages of one status of a queue, and the jobs of a status that match a function and a key prefix.</summary>
/// <remarks>
/// A filter reads at most the newest <c>window</c> jobs of the status, in pages of <see cref="Batch"/>: the backends
/// index jobs by status, not by function or key, and a page's refresh must never read the whole queue.
/// </remarks>
internal static class DashboardJobs
{
    public const int Batch = 200;

    public const string Statuses = "queued, scheduled, active, aborting, complete, failed or aborted";

    public static bool IsKnown(string word) =>
        word is "queued" or "scheduled" || (JobStatusExtensions.TryParseWire(word, out var parsed) && parsed != JobStatus.New);

    /// <summary>Reads one page of <paramref name="word"/>'s jobs; <c>queued</c> is the ready list, <c>scheduled</c> the jobs after it.</summary>
    public static async Task<JobPage> PageAsync(IQueueMonitor monitor, string word, int skip, int take, CancellationToken ct)
    {
        if (word is "queued" or "scheduled")
        {
            // A queued page is the ready list then the scheduled jobs: split it where the counts say.
            var counts = await monitor.CountAsync(ct).ConfigureAwait(false);
            var ready = counts.Queued;
            return word == "queued"
                ? await PageWithinAsync(monitor, skip, (int)Math.Max(0, Math.Min(take, ready - skip)), ready, ct).ConfigureAwait(false)
                : await PageWithinAsync(monitor, (int)Math.Min(int.MaxValue, ready + skip), take, counts.Scheduled, ct).ConfigureAwait(false);
        }

        if (!JobStatusExtensions.TryParseWire(word, out var status))
        {
            throw new ArgumentException($"Unknown status '{word}'.", nameof(word));
        }

        return await monitor.ListJobsAsync(new JobQuery(status, skip, take), ct).ConfigureAwait(false);
    }

    /// <summary>Reads the newest <paramref name="window"/> jobs of <paramref name="word"/> and keeps those that match.</summary>
    /// <returns>The matches, in page order, and whether the status holds more jobs than were read.</returns>
    public static async Task<(List<Job> Matches, bool Partial)> MatchAsync(
        IQueueMonitor monitor, string word, string? function, string? prefix, int window, CancellationToken ct)
    {
        var matches = new List<Job>();
        for (var read = 0; read < window;)
        {
            var page = await PageAsync(monitor, word, read, Math.Min(Batch, window - read), ct).ConfigureAwait(false);
            matches.AddRange(page.Jobs.Where(j => Matches(j, function, prefix)));
            read += page.Jobs.Count;
            if (page.Jobs.Count == 0 || read >= page.Total)
            {
                return (matches, false);
            }
        }

        return (matches, true);
    }

    public static bool Matches(Job job, string? function, string? prefix) =>
        (string.IsNullOrEmpty(function) || string.Equals(job.Function, function, StringComparison.Ordinal))
        && (string.IsNullOrEmpty(prefix) || job.Key.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task<JobPage> PageWithinAsync(IQueueMonitor monitor, int offset, int limit, long total, CancellationToken ct)
    {
        if (limit <= 0 || offset < 0)
        {
            return new JobPage([], total);
        }

        var page = await monitor.ListJobsAsync(new JobQuery(JobStatus.Queued, offset, limit), ct).ConfigureAwait(false);
        return new JobPage(page.Jobs, total);
    }
}
