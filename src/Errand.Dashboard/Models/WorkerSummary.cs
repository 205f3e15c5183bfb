using System.Text.Json;
using Errand.Backends;

namespace Errand.Dashboard.Models;

/// <summary>A live worker, as it last wrote its info.</summary>
internal sealed record WorkerSummary(string Id, string Queue, WorkerStats Stats, JsonElement? Metadata, DateTimeOffset? LastSeen);
