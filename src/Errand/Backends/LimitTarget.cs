namespace Errand.Backends;

/// <summary>Names one limited thing: a function, or one group key.</summary>
/// <param name="Scope">Whether <paramref name="Name"/> is a function or a group key.</param>
/// <param name="Name">The function name or the group key.</param>
public sealed record LimitTarget(LimitScope Scope, string Name);
