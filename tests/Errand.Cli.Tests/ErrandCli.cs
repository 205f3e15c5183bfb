namespace Errand.Cli.Tests;

/// <summary>Runs the real <c>errand</c> command (artifacts/bin/Errand.Cli) as a process.</summary>
public static class ErrandCli
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static Task<CliResult> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs <c>errand</c> with these environment variables added to the test's.</summary>
    public static async Task<CliResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = ProgramProcess.Start("Errand.Cli", args, environment);
        var exit = await process.WaitForExitAsync(Patience);
        return new CliResult(exit, process.Stdout, process.Stderr);
    }
}
