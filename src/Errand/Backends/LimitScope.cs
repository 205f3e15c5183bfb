namespace Errand.Backends;

/// <summary>What a limit counts jobs by.</summary>
public enum LimitScope
{
    /// <summary>The job's function (<see cref="Job.Function"/>).</summary>
    Function = 0,

    /// <summary>The job's group key (<see cref="Job.GroupKey"/>).</summary>
    GroupKey = 1,
}
