using System.Text.Json;

namespace Errand;

/// <summary>One registered function: its name and how to run a job with it.</summary>
internal sealed record JobFunction(string Name, Func<Job, JobContext, JsonSerializerOptions, Task<JsonElement?>> InvokeAsync);
