using Errand.Backends;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets a backend package register itself on an <see cref="IErrandBuilder"/>: the base of <c>UseRedis</c> and <c>UsePostgres</c>.</summary>
public static class ErrandBuilderStoreExtensions
{
    /// <summary>Makes <paramref name="provider"/>'s URL schemes usable (in <c>Errand:Url</c>), and stores the queues at <paramref name="url"/> when one is given.</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="provider">The backend's provider.</param>
    /// <param name="url">Where to store the queues; it wins over <c>Errand:Url</c>. <see langword="null"/> leaves the choice to configuration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not of one of <paramref name="provider"/>'s schemes.</exception>
    public static IErrandBuilder UseStore(this IErrandBuilder builder, IQueueStoreProvider provider, string? url = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(provider);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IQueueStoreProvider>(provider));
        builder.Services.TryAddSingleton(sp => new QueueStoreSchemes(sp.GetServices<IQueueStoreProvider>()));
        if (url is not null)
        {
            // Checked here, at registration, so that a wrong URL fails at startup with the call that gave it.
            new QueueStoreSchemes([provider]).Find(url);
            builder.Services.AddSingleton(new QueueStoreSelection(provider, url));
        }

        return builder;
    }
}
