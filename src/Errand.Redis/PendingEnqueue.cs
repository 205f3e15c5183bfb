using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>An enqueue waiting for its call: the job's id, abort marker, document and scheduled time.</summary>
internal sealed class PendingEnqueue(string id, RedisKey abortMarker, byte[] document, long scheduled)
{
    public string Id { get; } = id;

    public RedisKey AbortMarker { get; } = abortMarker;

    public byte[] Document { get; } = document;

    public long Scheduled { get; } = scheduled;

    public TaskCompletionSource<RedisResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
