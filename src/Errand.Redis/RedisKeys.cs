using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>Names the Redis keys of one queue, as SAQ lays them out (<c>spec/saq-redis-format.md</c>), plus Errand's own.</summary>
internal sealed class RedisKeys
{
    /// <summary>The infix of a worker's info key: <c>saq:QUEUE:worker_info:WORKER</c>.</summary>
    public const string WorkerInfoInfix = ":worker_info:";

    /// <summary>The prefix of SAQ's abort markers, <c>saq:abort:KEY</c>; they name no queue.</summary>
    public const string AbortPrefix = "saq:abort:";

    private const string IncompleteSuffix = ":incomplete";
    private const string QueuedSuffix = ":queued";
    private const string ActiveSuffix = ":active";
    private const string ScheduleSuffix = ":schedule";
    private const string SweepSuffix = ":sweep";
    private const string StatsSuffix = ":stats";

    public RedisKeys(string queue)
    {
        Queue = queue;
        Incomplete = $"saq:{queue}{IncompleteSuffix}";
        Queued = $"saq:{queue}{QueuedSuffix}";
        Active = $"saq:{queue}{ActiveSuffix}";
        Schedule = $"saq:{queue}{ScheduleSuffix}";
        Sweep = $"saq:{queue}{SweepSuffix}";
        Stats = $"saq:{queue}{StatsSuffix}";
        WorkerInfoPrefix = $"saq:{queue}{WorkerInfoInfix}";
        Corrupt = $"errand:{queue}:corrupt";
        SweepSuspects = $"errand:{queue}:sweep_suspects";
        AbortedRunning = $"errand:{queue}:aborted_running";
        FinishedComplete = $"errand:{queue}:finished:complete";
        FinishedFailed = $"errand:{queue}:finished:failed";
        FinishedAborted = $"errand:{queue}:finished:aborted";
        FinishedExpiry = $"errand:{queue}:finished:expiry";
        LimitPrefix = $"errand:{queue}:";
        Limits = $"errand:{queue}:limits";
        Holds = $"errand:{queue}:holds";
        Running = $"errand:{queue}:running";
        Slots = $"errand:{queue}:slots";
        HeldBy = $"errand:{queue}:heldby";
        Delayed = $"errand:{queue}:delayed";
        ClusterAbortPrefix = $"errand:{queue}:abort:";
        Paused = $"errand:{queue}:paused";
        Retrying = $"errand:{queue}:retrying";
        PausedChannel = RedisChannel.Literal($"errand:{queue}:paused");
        JobPattern = RedisChannel.Pattern($"saq:job:{EscapeGlob(queue)}*");
        JobScanPattern = $"saq:job:{EscapeGlob(queue)}:*";
    }

    /// <summary>Gets the suffixes of SAQ's keys of one queue, after <c>saq:QUEUE</c>.</summary>
    public static IReadOnlyList<string> QueueSuffixes { get; } = [IncompleteSuffix, QueuedSuffix, ActiveSuffix, ScheduleSuffix, StatsSuffix, SweepSuffix];

    public string Queue { get; }

    public RedisKey Incomplete { get; }

    public RedisKey Queued { get; }

    public RedisKey Active { get; }

    public RedisKey Schedule { get; }

    public RedisKey Sweep { get; }

    public RedisKey Stats { get; }

    /// <summary>Gets the prefix of the queue's worker-info keys, <c>saq:QUEUE:worker_info:</c>; the worker id follows it.</summary>
    public string WorkerInfoPrefix { get; }

    /// <summary>Gets Errand's hash of documents taken out of the queue because they could not be read: id -> raw document.</summary>
    public RedisKey Corrupt { get; }

    /// <summary>Gets Errand's hash of sweep suspects: id -> epoch ms when first suspected.</summary>
    public RedisKey SweepSuspects { get; }

    /// <summary>Gets Errand's sorted set of running jobs aborted out of the active list (as SAQ's abort leaves them): id, scored by the abort's epoch ms; the sweeper ends those whose worker never does.</summary>
    public RedisKey AbortedRunning { get; }

    /// <summary>Gets Errand's index of complete jobs: a sorted set of ids scored by completed ms.</summary>
    public RedisKey FinishedComplete { get; }

    /// <summary>Gets Errand's index of failed jobs.</summary>
    public RedisKey FinishedFailed { get; }

    /// <summary>Gets Errand's index of aborted jobs.</summary>
    public RedisKey FinishedAborted { get; }

    /// <summary>Gets Errand's expiry index of finished jobs: a sorted set of batches of finishes (<c>w:FIRST:LAST</c>, their completed range) or job ids, scored by when their first document expires (epoch ms).</summary>
    public RedisKey FinishedExpiry { get; }

    /// <summary>Gets the prefix of Errand's per-target limit keys, <c>errand:QUEUE:</c> (<c>held:TARGET</c> and <c>starts:TARGET</c> follow it).</summary>
    public string LimitPrefix { get; }

    /// <summary>Gets Errand's hash of the queue's limits: <c>f:FUNCTION</c> or <c>k</c> (every group key) -> <c>CONCURRENCY RATE PERIOD_MS</c>.</summary>
    public RedisKey Limits { get; }

    /// <summary>Gets Errand's hash of holds: target -> epoch ms until which none of its jobs starts.</summary>
    public RedisKey Holds { get; }

    /// <summary>Gets Errand's hash of running counts: target -> how many of its jobs hold a slot.</summary>
    public RedisKey Running { get; }

    /// <summary>Gets Errand's hash of the slots each running limited job holds: job id -> its targets.</summary>
    public RedisKey Slots { get; }

    /// <summary>Gets Errand's hash of held jobs: job id -> the target it waits for a slot of, or <c>@TARGET</c> when it waits for a time.</summary>
    public RedisKey HeldBy { get; }

    /// <summary>Gets Errand's sorted set of jobs held for a time (a rate, a hold): job id, scored by when it is due (epoch ms).</summary>
    public RedisKey Delayed { get; }

    /// <summary>Gets Errand's paused flag of the queue, <c>errand:QUEUE:paused</c>: present (<c>1</c>) while the queue is paused; no expiry.</summary>
    public RedisKey Paused { get; }

    /// <summary>
    /// Gets Errand's set of retrying jobs, <c>errand:QUEUE:retrying</c>: the ids of unfinished jobs Errand retried after a
    /// failed or swept attempt; a finish, an abort or an operator's requeue takes the id out. Its SCARD is the count.
    /// </summary>
    public RedisKey Retrying { get; }

    /// <summary>Gets the channel a pause or a resume is published on, <c>errand:QUEUE:paused</c>: message <c>1</c> (paused) or <c>0</c> (resumed).</summary>
    public RedisChannel PausedChannel { get; }

    /// <summary>Gets the pattern of every job channel of the queue (it also matches queues whose name starts with this one).</summary>
    public RedisChannel JobPattern { get; }

    /// <summary>Gets the SCAN pattern of the queue's job documents.</summary>
    public string JobScanPattern { get; }

    public RedisKey Job(string key) => RedisJobIds.For(Queue, key);

    /// <summary>Gets the id of job <paramref name="key"/>: <c>saq:job:QUEUE:KEY</c>, its document's key and its channel.</summary>
    public string JobId(string key) => RedisJobIds.For(Queue, key);

    /// <summary>Returns the index of finished jobs of <paramref name="status"/> (complete, failed or aborted).</summary>
    public RedisKey Finished(JobStatus status) => status switch
    {
        JobStatus.Complete => FinishedComplete,
        JobStatus.Failed => FinishedFailed,
        JobStatus.Aborted => FinishedAborted,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only finished statuses are indexed."),
    };

    /// <summary>Returns Errand's per-minute history hash of epoch minute <paramref name="minute"/>: status word -> count.</summary>
    public RedisKey History(long minute) => $"errand:{Queue}:history:{minute}";

    /// <summary>Returns Errand's per-hour history hash of epoch hour <paramref name="hour"/>: status word -> count.</summary>
    public RedisKey HourlyHistory(long hour) => $"errand:{Queue}:hourly:{hour}";

    /// <summary>Returns Errand's list of the ended attempts of job <paramref name="key"/>, oldest first: one JSON record each.</summary>
    public RedisKey Attempts(string key) => $"errand:{Queue}:attempts:{key}";

    /// <summary>Returns SAQ's abort marker of job <paramref name="key"/>, <c>saq:abort:KEY</c>, used on a single Redis.</summary>
    public static RedisKey Abort(string key) => AbortPrefix + key;

    /// <summary>Gets the prefix of the queue's abort markers on a Redis Cluster, <c>errand:QUEUE:abort:</c>.</summary>
    public string ClusterAbortPrefix { get; }

    /// <summary>
    /// Returns the abort marker of job <paramref name="key"/> on a Redis Cluster, <c>errand:QUEUE:abort:KEY</c>: it names
    /// the queue, so it is in the queue's slot (SAQ's <c>saq:abort:KEY</c> would be in another, out of the queue's scripts' reach).
    /// </summary>
    public RedisKey ClusterAbort(string key) => ClusterAbortPrefix + key;

    public RedisKey WorkerInfo(string workerId) => $"{WorkerInfoPrefix}{workerId}";

    /// <summary>
    /// Returns the worker id of a member of the stats set: the rest of a worker-info key after
    /// <see cref="WorkerInfoPrefix"/>, so an id may hold <c>:</c> (SAQ allows <c>host:1</c>); a member of another form
    /// gives the part after its last <c>:</c>, as SAQ reads it.
    /// </summary>
    public string WorkerIdOf(string member) =>
        member.StartsWith(WorkerInfoPrefix, StringComparison.Ordinal)
            ? member[WorkerInfoPrefix.Length..]
            : member[(member.LastIndexOf(':') + 1)..];

    /// <summary>Escapes the characters a Redis glob pattern gives a meaning to.</summary>
    public static string EscapeGlob(string value)
    {
        if (value.AsSpan().IndexOfAny("*?[]\\") < 0)
        {
            return value;
        }

        var builder = new System.Text.StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
