using System.Diagnostics;

namespace Errand.Readme.Tests;

/// <summary>Finds the repository's files, and runs the programs its samples build.</summary>
internal static class Repository
{
    /// <summary>Gets the repository's root: the first folder above the tests that holds <c>Errand.slnx</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string Readme => File.ReadAllText(Path.Combine(Root, "README.md"));

    /// <summary>Runs the program of sample <paramref name="name"/> (built beside this assembly: artifacts/bin/NAME/CONFIG) and returns its standard output.</summary>
    public static async Task<string> RunSampleAsync(string name, params string[] args)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(here.Parent!.Parent!.FullName, name, here.Name, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references samples/{name}, which builds it");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"{name} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return (await stdout).ReplaceLineEndings("\n");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Errand.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Errand.slnx) above " + AppContext.BaseDirectory);
    }
}
