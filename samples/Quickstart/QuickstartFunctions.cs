using System.Text.Json;
using Errand;

namespace Quickstart;

/// <summary>The functions of the quickstart: the same names and arguments a Python SAQ worker would register.</summary>
public static class QuickstartFunctions
{
    public static JobFunctions Create() => new JobFunctions()
        .Add<AddArgs, double>("add", (args, _) => Task.FromResult(args.A + args.B))
        .Add<JsonElement, JsonElement>("echo", (kwargs, _) => Task.FromResult(kwargs))
        .Add<SleepArgs, double>("sleep", async (args, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(args.Seconds), context.CancellationToken);
            return args.Seconds;
        })
        .Add<FailArgs>("fail", (args, _) => throw new InvalidOperationException(args.Message));

    public sealed record AddArgs(double A, double B);

    public sealed record SleepArgs(double Seconds);

    public sealed record FailArgs(string Message);
}
