namespace Errand;

/// <summary>Every queue of an application, by name: for code that uses several queues, and for tools that show or check them all (the dashboard, health checks).</summary>
/// <remarks>
/// Hosting integrations register one in dependency injection (<c>AddErrand</c> does), beside the default queue as
/// <see cref="IQueue"/>. Implementations are safe for concurrent use.
/// </remarks>
public interface IQueueProvider
{
    /// <summary>Gets the names of the queues, the default one first.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Gets the default queue.</summary>
    IQueue Default { get; }

    /// <summary>Gets the queue named <paramref name="name"/>.</summary>
    /// <param name="name">The queue name.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="ArgumentException">No queue has that name.</exception>
    IQueue Get(string name);
}
