namespace Errand;

/// <summary>Options of <see cref="IQueue.MapAsync{TResult}"/>.</summary>
public sealed record MapOptions
{
    /// <summary>Gets the options of every job of the map.</summary>
    /// <value>The default is the queue's defaults.</value>
    public JobOptions? JobOptions { get; init; }

    /// <summary>Gets whether failures are returned in place instead of thrown at the first one.</summary>
    /// <value>The default is <see langword="false"/>: the first failure throws <see cref="JobFailedException"/>.</value>
    public bool ReturnErrors { get; init; }
}
