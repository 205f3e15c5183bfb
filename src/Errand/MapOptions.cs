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

    /// <summary>Gets how long to wait for every job of the map to finish.</summary>
    /// <value>The default is <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: no limit, as SAQ's <c>map</c> without a timeout.</value>
    /// <remarks>When it passes, <see cref="JobWaitTimeoutException"/> names the first job not finished; the jobs go on.</remarks>
    public TimeSpan Timeout { get; init; } = System.Threading.Timeout.InfiniteTimeSpan;
}
