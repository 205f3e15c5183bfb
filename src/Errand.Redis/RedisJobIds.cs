namespace Errand.Redis;

/// <summary>Builds and splits job ids (<c>saq:job:QUEUE:KEY</c>), the Redis keys SAQ stores job documents under.</summary>
internal static class RedisJobIds
{
    private const string Prefix = "saq:job:";

    /// <summary>Returns the id of the job <paramref name="key"/> on <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="key">The job key.</param>
    /// <returns>The id, <c>saq:job:QUEUE:KEY</c>.</returns>
    public static string For(string queue, string key) => string.Concat(Prefix, queue, ":", key);

    /// <summary>Returns the key part of a job id of <paramref name="queue"/>, or <see langword="null"/> when the id is not one of its.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="id">The job id.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    public static string? KeyOf(string queue, string id)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(id);
        var start = Prefix.Length + queue.Length + 1;
        if (id.Length <= start
            || !id.StartsWith(Prefix, StringComparison.Ordinal)
            || string.CompareOrdinal(id, Prefix.Length, queue, 0, queue.Length) != 0
            || id[start - 1] != ':')
        {
            return null;
        }

        return id[start..];
    }
}
