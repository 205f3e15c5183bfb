namespace Errand.Backends;

/// <summary>Parameters of one sweep round.</summary>
/// <param name="LockFor">How long the sweeper holds the sweep lock; other processes skip their rounds meanwhile.</param>
/// <param name="SuspectGrace">How long a job must stay a suspect (taken but never marked active, or its worker gone) before it is swept.</param>
public sealed record SweepRequest(TimeSpan LockFor, TimeSpan SuspectGrace)
{
    /// <summary>Gets what to do with each stuck job; the backend applies it in one step, only if the job is still stored as it was judged.</summary>
    /// <remarks>
    /// The function may change the job it is given (its error, its attempts) before it is stored. A job that changed
    /// meanwhile (its worker finished it or touched it) is left alone and judged again at the next round.
    /// </remarks>
    /// <value>The default is <see langword="null"/>: the round only reports the stuck jobs.</value>
    public Func<SweptJob, SweepDecision>? Decide { get; init; }
}
