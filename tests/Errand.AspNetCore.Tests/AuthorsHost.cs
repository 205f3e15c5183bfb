using System.Diagnostics;
using System.Net.Http.Json;
using Authors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>The Authors sample on a real Kestrel server bound to 127.0.0.1:0, in a content root of its own.</summary>
internal sealed class AuthorsHost : IAsyncDisposable
{
    private AuthorsHost(WebApplication app, string contentRoot)
    {
        App = app;
        ContentRoot = contentRoot;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public WebApplication App { get; }

    public string ContentRoot { get; }

    public HttpClient Client { get; }

    public IQueue Queue => App.Services.GetRequiredService<IQueue>();

    public string Outbox => Path.Combine(ContentRoot, "outbox");

    public static string NewContentRoot()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"errand-authors-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static async Task<AuthorsHost> StartAsync(string[]? args = null, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        contentRoot ??= NewContentRoot();
        string[] all = ["--urls", "http://127.0.0.1:0", "--contentRoot", contentRoot, "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Errand.AspNetCore=Error", .. args ?? []];
        var app = await AuthorsApp.BuildWebAsync(all, configure);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new AuthorsHost(app, contentRoot);
    }

    /// <summary>Creates an author; returns it and its e-mail job, finished.</summary>
    public async Task<(AuthorDto Author, Job Job)> CreateAuthorAndWaitAsync(string name)
    {
        var ct = TestContext.Current.CancellationToken;

        // The job is relayed after the request's commit: found by the queue's notification, not by a look right away.
        await using var changes = await ((Queue)Queue).Backend.SubscribeAsync(null, ct);
        var response = await Client.PostAsJsonAsync("/authors", new { name }, ct);
        response.EnsureSuccessStatusCode();
        var author = (await response.Content.ReadFromJsonAsync<AuthorDto>(ct))!;
        var function = $"{typeof(AuthorService).FullName}.{nameof(AuthorService.SendAuthorCreatedEmailAsync)}";
        while (true)
        {
            var change = await changes.Changes.ReadAsync(ct).AsTask().WaitAsync(TestHosts.Timeout, ct);
            if (change.Status == JobStatus.Queued && (await Queue.GetJobAsync(change.Key, ct))?.Function == function)
            {
                return (author, await Queue.WaitAsync(change.Key, TestHosts.Timeout, ct));
            }
        }
    }

    /// <summary>Starts <c>Authors worker</c> as a process of its own (no HTTP), sharing the content root.</summary>
    public static Process StartWorkerProcess(string contentRoot, string redisUrl, string queueName)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Authors.dll"));
        info.ArgumentList.Add("worker");
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(contentRoot);
        info.Environment["Errand__Url"] = redisUrl;
        info.Environment["Errand__Queue"] = queueName;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        try
        {
            Directory.Delete(ContentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
