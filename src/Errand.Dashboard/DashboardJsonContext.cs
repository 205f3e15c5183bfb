using System.Text.Json.Serialization;
using Errand.Backends;
using Errand.Dashboard.Models;

namespace Errand.Dashboard;

/// <summary>The dashboard API's JSON, generated at build time, in snake_case like SAQ's documents.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DashboardConfig))]
[JsonSerializable(typeof(IReadOnlyList<QueueSummary>))]
[JsonSerializable(typeof(IReadOnlyList<HistoryPoint>))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(LimitList))]
[JsonSerializable(typeof(JobDetail))]
[JsonSerializable(typeof(IReadOnlyList<WorkerSummary>))]
[JsonSerializable(typeof(ActionOutcome))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(BulkRequest))]
[JsonSerializable(typeof(BulkOutcome))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
