using Errand.InMemory;

namespace Errand.Backends;

/// <summary>The one map from a URL's scheme to the backend that stores it; no URL means this process's memory.</summary>
/// <remarks>
/// The ASP.NET Core integration (<c>Errand:Url</c>), the worker host (<c>--url</c>) and the <c>errand</c> command all
/// pick their backend here, among the providers the application registered (<c>UseRedis</c>, <c>UsePostgres</c>).
/// Safe for concurrent use.
/// </remarks>
public sealed class QueueStoreSchemes
{
    // What to install for a scheme no registered provider takes: a hint in the error, not a dependency.
    private static readonly Dictionary<string, string> KnownPackages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["redis"] = "Errand.Redis (UseRedis)",
        ["rediss"] = "Errand.Redis (UseRedis)",
        ["redis+sentinel"] = "Errand.Redis (UseRedis)",
        ["rediss+sentinel"] = "Errand.Redis (UseRedis)",
        ["postgres"] = "Errand.Postgres (UsePostgres)",
        ["postgresql"] = "Errand.Postgres (UsePostgres)",
    };

    private readonly Dictionary<string, IQueueStoreProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Initializes a map of <paramref name="providers"/>; a later provider of a scheme replaces an earlier one.</summary>
    /// <param name="providers">The backends the application can use.</param>
    public QueueStoreSchemes(IEnumerable<IQueueStoreProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        foreach (var provider in providers)
        {
            foreach (var scheme in provider.Schemes)
            {
                _providers[scheme] = provider;
            }
        }
    }

    /// <summary>Gets the schemes the map takes, as <c>scheme://</c>, sorted.</summary>
    public IReadOnlyList<string> Supported => [.. _providers.Keys.Order(StringComparer.Ordinal).Select(s => s + "://")];

    /// <summary>Returns the scheme of <paramref name="url"/> (the part before <c>://</c>), or <see langword="null"/> when it has none.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The scheme, as written.</returns>
    public static string? SchemeOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var end = url.IndexOf("://", StringComparison.Ordinal);
        return end > 0 ? url[..end] : null;
    }

    /// <summary>Returns the provider of <paramref name="url"/>, or <see langword="null"/> when there is no URL (the queues stay in memory).</summary>
    /// <param name="url">The URL, or <see langword="null"/> or blank for none.</param>
    /// <returns>The provider, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">The URL has no scheme, or one no registered provider takes; the message lists the supported ones.</exception>
    public IQueueStoreProvider? Find(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var scheme = SchemeOf(url);
        if (scheme is not null && _providers.TryGetValue(scheme, out var provider))
        {
            return provider;
        }

        // Never echo the URL: it may hold a password.
        var what = scheme is null ? "has no scheme" : $"has the scheme '{scheme}', which {Why(scheme)}";
        var supported = _providers.Count == 0 ? "none is registered" : string.Join(", ", Supported);
        throw new ArgumentException($"The URL {what}. Supported: {supported}; or no URL, to keep the queues in this process's memory.", nameof(url));
    }

    /// <summary>Connects to the store of <paramref name="url"/>, or opens one in this process's memory when there is no URL.</summary>
    /// <param name="url">The URL, or <see langword="null"/> or blank for memory.</param>
    /// <param name="options">How to connect.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The store; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The URL is not valid or its scheme is not supported.</exception>
    /// <exception cref="BackendUnavailableException">The engine cannot be reached, and <see cref="QueueStoreOptions.FailFast"/> is set.</exception>
    public async Task<IQueueStore> ConnectAsync(string? url, QueueStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Find(url) is { } provider
            ? await provider.ConnectAsync(url!, options, cancellationToken).ConfigureAwait(false)
            : new InMemoryQueueStore(options);
    }

    private static string Why(string scheme) =>
        KnownPackages.TryGetValue(scheme, out var package)
            ? $"needs the package {package}"
            : "no Errand backend takes";
}
