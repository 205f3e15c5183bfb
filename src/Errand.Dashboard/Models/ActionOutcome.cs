namespace Errand.Dashboard.Models;

/// <summary>What an action did: a message for the operator, the job after it when there is one, and how many jobs it touched.</summary>
internal sealed record ActionOutcome(bool Ok, string Message, int Count = 0, JobDetail? Job = null);
