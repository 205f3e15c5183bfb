namespace Errand.Cli.Tests;

/// <summary>What one run of <c>errand</c> printed, and its exit code.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}
