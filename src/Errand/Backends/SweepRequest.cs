namespace Errand.Backends;

/// <summary>Parameters of one sweep round.</summary>
/// <param name="LockFor">How long the sweeper holds the sweep lock; other processes skip their rounds meanwhile.</param>
/// <param name="SuspectGrace">How long a job must stay a suspect (taken but never marked active, or its worker gone) before it is swept.</param>
public sealed record SweepRequest(TimeSpan LockFor, TimeSpan SuspectGrace);
