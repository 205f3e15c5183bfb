namespace Errand.Backends;

/// <summary>How one limited function or group key stands now, for the dashboard and <c>errand info</c>.</summary>
/// <param name="Target">The function or group key.</param>
/// <param name="Running">How many of its jobs the store counts as running.</param>
/// <param name="Concurrency">Its concurrency limit, or <see langword="null"/>.</param>
/// <param name="Held">How many of its jobs are held back by a limit (waiting for a slot, a start or the end of a hold).</param>
public sealed record LimitState(LimitTarget Target, int Running, int? Concurrency, int Held);
