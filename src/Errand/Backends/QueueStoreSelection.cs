namespace Errand.Backends;

/// <summary>The store an application chose in code (<c>UseRedis(url)</c>); the last one registered wins over <c>Errand:Url</c>.</summary>
/// <param name="Provider">The backend's provider.</param>
/// <param name="Url">The URL, of one of the provider's schemes.</param>
internal sealed record QueueStoreSelection(IQueueStoreProvider Provider, string Url);
