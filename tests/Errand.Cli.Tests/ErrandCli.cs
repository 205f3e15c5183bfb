namespace Errand.Cli.Tests;

/// <summary>Runs the real <c>errand</c> command (artifacts/bin/Errand.Cli) as a process.</summary>
public static class ErrandCli
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = ProgramProcess.Start("Errand.Cli", args);
        var exit = await process.WaitForExitAsync(Patience);
        return new CliResult(exit, process.Stdout, process.Stderr);
    }
}
