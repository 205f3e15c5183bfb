namespace Errand.Dashboard.Models;

/// <summary>What a bulk action did: a message for the operator, how many jobs it changed and how many it left as they were.</summary>
internal sealed record BulkOutcome(bool Ok, string Message, int Count, int Skipped);
