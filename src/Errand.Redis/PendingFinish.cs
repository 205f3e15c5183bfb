using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>A finish waiting for its cycle.</summary>
internal sealed class PendingFinish(string id, RedisKey history, RedisKey hourlyHistory, RedisKey attempts, byte[] attemptRecord, int ttl, string status, byte[] document, long completed, int attempt, byte[]? written)
{
    public string Id { get; } = id;

    public RedisKey History { get; } = history;

    public RedisKey HourlyHistory { get; } = hourlyHistory;

    /// <summary>Gets Errand's list of the job's attempts, which the record of this one goes on.</summary>
    public RedisKey Attempts { get; } = attempts;

    public byte[] AttemptRecord { get; } = attemptRecord;

    public long Completed { get; } = completed;

    public int Ttl { get; } = ttl;

    public string Status { get; } = status;

    public byte[] Document { get; } = document;

    /// <summary>Gets the attempt that finishes: the store refuses the finish when another attempt is current.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>Gets the document the attempt last wrote, when it ran on this backend: the script's fast check.</summary>
    public byte[]? Written { get; } = written;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
