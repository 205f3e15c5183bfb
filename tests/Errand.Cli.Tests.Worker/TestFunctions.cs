using System.Diagnostics;
using System.Text.Json;

namespace Errand.Cli.TestWorker;

/// <summary>The functions of the test worker: SAQ-style names with snake_case arguments.</summary>
public static class TestFunctions
{
    public static void Register(JobFunctions functions) => functions
        .Add<AddArgs, double>("add", (args, _) => Task.FromResult(args.A + args.B))
        .Add<JsonElement, JsonElement>("echo", (kwargs, _) => Task.FromResult(kwargs))
        .Add<SleepArgs, double>("sleep", async (args, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(args.Seconds), TimeProvider.System, context.CancellationToken);
            return args.Seconds;
        })
        .Add<FailArgs>("fail", (args, _) => throw new InvalidOperationException(args.Message))
        .Add("crash", _ =>
        {
            // The process dies inside the job, before the job's first await (as a stack overflow or an OOM kill would).
            using var self = Process.GetCurrentProcess();
            self.Kill();
            return Task.CompletedTask;
        });

    public sealed record AddArgs(double A, double B);

    public sealed record SleepArgs(double Seconds);

    public sealed record FailArgs(string Message);
}
