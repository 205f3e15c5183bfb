using Errand.Postgres;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores Errand's queues in PostgreSQL, in SAQ's tables.</summary>
public static class PostgresErrandBuilderExtensions
{
    /// <summary>Lets the queues be stored in PostgreSQL (<c>postgres://</c>, <c>postgresql://</c> in <c>Errand:Url</c>), at <paramref name="url"/> when one is given.</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="url"><c>postgresql://[user[:password]@]host[:port]/db</c>; it wins over <c>Errand:Url</c>. <see langword="null"/> leaves the choice to configuration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not a PostgreSQL URL.</exception>
    /// <remarks>The tables (<c>saq_jobs</c>, <c>saq_stats</c>, <c>saq_versions</c> and Errand's <c>errand_*</c>) are created or migrated when the host starts, under SAQ's advisory lock.</remarks>
    public static IErrandBuilder UsePostgres(this IErrandBuilder builder, string? url = null) =>
        builder.UseStore(PostgresQueueStoreProvider.Instance, url);
}
