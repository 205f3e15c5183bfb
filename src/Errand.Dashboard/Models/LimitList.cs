namespace Errand.Dashboard.Models;

/// <summary>How a queue's limited functions and group keys stand (<c>GET api/queues/{queue}/limits</c>).</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Limits">One row per function with a limit and per group key with running or held jobs; empty for a queue without limits.</param>
internal sealed record LimitList(string Queue, IReadOnlyList<LimitRow> Limits);

/// <summary>One limited function or group key.</summary>
/// <param name="Of"><c>function</c> or <c>key</c> (a group key), as <c>errand info --json</c> says it.</param>
/// <param name="Name">The function name or the group key.</param>
/// <param name="Running">How many of its jobs run now.</param>
/// <param name="Concurrency">Its concurrency limit, or <see langword="null"/>.</param>
/// <param name="Held">How many of its jobs wait for a slot, a start or the end of a hold.</param>
internal sealed record LimitRow(string Of, string Name, int Running, int? Concurrency, int Held);
