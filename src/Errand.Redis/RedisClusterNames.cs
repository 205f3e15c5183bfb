namespace Errand.Redis;

/// <summary>The rule a queue name follows on a Redis Cluster: a hash tag keeps all the queue's keys in one slot.</summary>
/// <remarks>
/// Redis Cluster hashes only the part of a key between its first <c>{</c> and the first <c>}</c> after it, when that
/// part is not empty. Every key of a queue is a brace-free prefix (<c>saq:</c>, <c>saq:job:</c>, <c>errand:</c>), the
/// queue name, then a suffix: when the name holds such a tag, the tag is the same in every key, whatever the suffix
/// (a job key may hold braces of its own), so the queue lives on one master and its scripts and transactions run there.
/// </remarks>
internal static class RedisClusterNames
{
    /// <summary>Returns whether every key of queue <paramref name="queue"/> hashes to one cluster slot.</summary>
    /// <param name="queue">The queue name.</param>
    /// <returns><see langword="true"/> when the name holds a non-empty hash tag, such as <c>{emails}</c> or <c>app:{emails}</c>.</returns>
    public static bool IsSingleSlot(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var open = queue.IndexOf('{', StringComparison.Ordinal);
        return open >= 0 && queue.IndexOf('}', open + 1) > open + 1;
    }

    /// <summary>Returns the error for a queue name that would spread its keys over several slots of a cluster.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="endpoint">The cluster, described without credentials.</param>
    /// <returns>The exception to throw, saying how to name the queue.</returns>
    public static ArgumentException Refused(string queue, string endpoint) => new(
        $"Queue '{queue}' cannot be used on the Redis Cluster at {endpoint}: its keys would spread over several slots, "
        + $"and a queue's scripts and transactions need all its keys on one master. Name it with a hash tag, such as "
        + $"'{{{Suggest(queue)}}}': Redis Cluster then hashes only the part in braces, and every key of the queue is in one slot.",
        nameof(queue));

    private static string Suggest(string queue) => queue.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal) is { Length: > 0 } plain ? plain : "emails";
}
