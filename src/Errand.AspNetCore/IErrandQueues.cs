namespace Errand.AspNetCore;

/// <summary>Every queue configured for the application, by name.</summary>
public interface IErrandQueues
{
    /// <summary>Gets the names of the queues, the default one first.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Gets the default queue.</summary>
    IErrandQueue Default { get; }

    /// <summary>Gets the queue named <paramref name="name"/>.</summary>
    /// <param name="name">The queue name, as configured under <c>Errand:Queues</c> or added with <c>AddQueue</c>.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="ArgumentException">No queue has that name.</exception>
    IErrandQueue Get(string name);
}
