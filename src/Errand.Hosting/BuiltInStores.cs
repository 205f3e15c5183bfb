using Errand.Backends;
using Errand.Postgres;
using Errand.Redis;

namespace Errand.Hosting;

/// <summary>The backends a worker program and the <c>errand</c> command take URLs of: every engine Errand ships.</summary>
internal static class BuiltInStores
{
    /// <summary>Gets the map of their URL schemes.</summary>
    public static QueueStoreSchemes Schemes { get; } = new([RedisQueueStoreProvider.Instance, PostgresQueueStoreProvider.Instance]);
}
