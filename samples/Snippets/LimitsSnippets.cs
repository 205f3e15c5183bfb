using Errand;
using Errand.Redis;

namespace Snippets;

/// <summary>The README's limits: per function, per group key, a rate, and a hold from a handler.</summary>
internal static class LimitsSnippets
{
    public static async Task ConfigureAsync(string url, JobFunctions functions)
    {
        var limits = new QueueLimits
        {
            Keys = new Limit { Concurrency = 1 },                           // one job at a time per group key (per customer)
        };
        limits.Functions["build_report"] = new Limit { Concurrency = 2 };  // at most 2 report builds at once
        limits.Functions["call_partner"] = new Limit { Rate = 10, Period = TimeSpan.FromSeconds(1) };  // 10 starts a second
        limits.KeyOf["sync_customer"] = kwargs => kwargs?.GetProperty("customer_id").ToString();       // key from the arguments

        await using var queue = await RedisQueueFactory.ConnectAsync(url, "default", new QueueOptions { Limits = limits });
        await queue.EnqueueAsync("sync_customer", new { customer_id = 42 });                      // group key "42"
        await queue.EnqueueAsync("build_report", new { month = 11 }, new JobOptions { GroupKey = "customer-42" });

        // In a handler: the partner answered 429 for this customer; its waiting jobs wait 30 s, none fails.
        functions.Add<CallArgs>("call_partner", async (args, context) =>
        {
            if (await Partner.CallAsync(args) is { StatusCode: 429 })
            {
                await context.HoldKeyAsync(TimeSpan.FromSeconds(30));        // or HoldFunctionAsync: every job of the function
                throw new PartnerBusyException();                            // retried (with retries left) once the hold ends
            }
        });
    }

    internal sealed record CallArgs(string CustomerId);

    internal sealed record PartnerAnswer(int StatusCode);

    internal static class Partner
    {
        public static Task<PartnerAnswer> CallAsync(CallArgs args) => Task.FromResult(new PartnerAnswer(args.CustomerId.Length > 0 ? 200 : 429));
    }

    internal sealed class PartnerBusyException : Exception
    {
        public PartnerBusyException()
            : base("the partner answered 429")
        {
        }
    }
}
