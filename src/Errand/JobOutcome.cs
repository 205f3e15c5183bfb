namespace Errand;

/// <summary>How one job of a <see cref="IQueue.MapAsync{TResult}"/> ended.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
/// <param name="Job">The finished job.</param>
/// <param name="Result">The result, when it completed.</param>
/// <param name="Error">The failure, when it failed or was aborted.</param>
public sealed record JobOutcome<TResult>(Job Job, TResult? Result, JobFailedException? Error)
{
    /// <summary>Gets whether the job completed.</summary>
    public bool Succeeded => Error is null;
}
