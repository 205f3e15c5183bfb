using Errand.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores Errand's queues in Redis, in SAQ's layout.</summary>
public static class RedisErrandBuilderExtensions
{
    /// <summary>Lets the queues be stored in Redis (<c>redis://</c>, <c>rediss://</c> in <c>Errand:Url</c>), at <paramref name="url"/> when one is given.</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="url"><c>redis://[user:password@]host:port[/db]</c> or <c>rediss://...</c>; it wins over <c>Errand:Url</c>. <see langword="null"/> leaves the choice to configuration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not a Redis URL.</exception>
    public static IErrandBuilder UseRedis(this IErrandBuilder builder, string? url = null) =>
        builder.UseStore(RedisQueueStoreProvider.Instance, url);
}
