using System.Diagnostics;

namespace Errand.Readme.Tests;

/// <summary>
/// What a user installs works: the packages of the solution, packed into a folder as the README tells, restored by two
/// small apps outside the repository (no project references, none of the repository's build settings), which build
/// and run: a console app that enqueues and works one job in memory, and an ASP.NET Core app with <c>AddErrand()</c>.
/// </summary>
public sealed class PackedPackagesTests : IDisposable
{
    // A version of its own for this run, so that NuGet's cache of packages never hands over an older build.
    private readonly string _version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
    private readonly string _directory = Directory.CreateTempSubdirectory("errand-packages-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PackedPackages_ConsoleAppAndWebApp_BuildAndRunAgainstTheLocalFeed()
    {
        var feed = Path.Combine(_directory, "feed");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        await DotnetAsync(Repository.Root, "pack", Path.Combine(Repository.Root, "Errand.slnx"), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={_version}", "-nologo", "-v:q");
        string[] packages = ["Errand", "Errand.Redis", "Errand.Postgres", "Errand.AspNetCore", "Errand.EntityFrameworkCore", "Errand.Dashboard", "Errand.Hosting", "Errand.Testing", "Errand.Cli"];
        foreach (var id in packages)
        {
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.{_version}.nupkg")), $"{id} was not packed");
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.{_version}.snupkg")), $"{id} has no symbols package");
        }

        var console = App("console", "Microsoft.NET.Sdk", feed, ["Errand"], """
            using Errand;

            var functions = new JobFunctions().Add<AddArgs, double>("add", (args, context) => Task.FromResult(args.A + args.B));
            await using var queue = Queue.InMemory("default");
            using var worker = new Worker(queue, functions);
            using var stop = new CancellationTokenSource();
            var running = worker.RunAsync(stop.Token);
            Console.WriteLine($"add = {await queue.ApplyAsync<double>("add", new { a = 20, b = 22 })}");
            await stop.CancelAsync();
            await running;

            internal sealed record AddArgs(double A, double B);
            """);
        var web = App("web", "Microsoft.NET.Sdk.Web", feed, ["Errand.AspNetCore", "Errand.Dashboard"], """
            using Errand;
            using Errand.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddErrand()
                .AddFunctions((functions, services) => functions.Add<Greeting, string>("greet", (g, context) => Task.FromResult($"hello {g.Name}")));
            var app = builder.Build();
            app.MapPost("/greet/{name}", async (string name, IQueue queue) => await queue.ApplyAsync<string>("greet", new { name }));
            app.MapErrandDashboard("/monitor", o => o.AllowAnonymous = true);
            await app.StartAsync();

            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var greeting = await (await client.PostAsync("/greet/ada", null)).Content.ReadAsStringAsync();
            var dashboard = await client.GetAsync("/monitor/api/queues");
            Console.WriteLine($"{greeting}; dashboard {(int)dashboard.StatusCode}");
            await app.StopAsync();

            internal sealed record Greeting(string Name);
            """);

        var consoleOutput = await DotnetAsync(console, "run", "-c", "Release");
        var webOutput = await DotnetAsync(web, "run", "-c", "Release");

        Assert.Equal("add = 42", consoleOutput.Trim());
        Assert.Equal("hello ada; dashboard 200", webOutput.Trim());
        Assert.Contains($"Errand.AspNetCore/{_version}", File.ReadAllText(Path.Combine(web, "obj", "project.assets.json")), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);

        // This run's packages in NuGet's cache: nothing else will ever ask for their version.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in Directory.Exists(cache) ? Directory.GetDirectories(cache, "errand*") : [])
        {
            var version = Path.Combine(package, _version);
            if (Directory.Exists(version))
            {
                Directory.Delete(version, recursive: true);
            }
        }
    }

    // A project outside the repository: its own nuget.config adds the feed to the machine's sources.
    private string App(string name, string sdk, string feed, string[] packages, string program)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        var references = string.Concat(packages.Select(p => $"""    <PackageReference Include="{p}" Version="{_version}" />{"\n"}"""));
        File.WriteAllText(Path.Combine(directory, $"{name}.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="errand" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return directory;
    }

    private static async Task<string> DotnetAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The repository's test settings are not the user's: no MSBuild node reuse, no terminal logger.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
