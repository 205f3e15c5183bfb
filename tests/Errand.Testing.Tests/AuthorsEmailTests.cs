// The README's "Testing your jobs" example: the Authors sample app tested with Errand.Testing, without sleeps or servers.
using System.Net.Http.Json;
using Authors;
using Errand;
using Errand.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MyApp.Tests;

public sealed class AuthorsEmailTests : IAsyncLifetime
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("authors-").FullName;
    private readonly RecordingEmailSender _email = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private ErrandTester _errand = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await AuthorsApp.BuildWebAsync(["--urls", "http://127.0.0.1:0", "--contentRoot", _contentRoot], builder =>
        {
            builder.Services.AddErrandTesting();                    // in-memory queues on a FakeTimeProvider, no hosted worker
            builder.Services.AddSingleton<IEmailSender>(_email);    // the app's own services stay; replace what you like
        });
        await _app.StartAsync(Ct);
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        _errand = _app.Services.GetRequiredService<ErrandTester>();
    }

    [Fact]
    public async Task PostAuthor_EnqueuesTheWelcomeEmail_SentWhenTheTestDrainsTheQueue()
    {
        var response = await _client.PostAsJsonAsync("/authors", new { name = "Ada Lovelace", email = "ada@example.com" }, Ct);
        response.EnsureSuccessStatusCode();

        // Enqueued with the right arguments, and nothing has run yet: no worker runs until the test says so.
        await _errand.AssertEnqueuedAsync<AuthorService>(s => s.SendAuthorCreatedEmailAsync(Arg.Is<AuthorDto>(a => a.Name == "Ada Lovelace"), default), Ct);
        Assert.Empty(_email.Sent);

        var ran = await _errand.DrainAsync(Ct);                     // runs the job inline, as the worker would

        Assert.Equal(JobStatus.Complete, Assert.Single(ran).Status);
        var sent = Assert.Single(_email.Sent);
        Assert.Equal("ada@example.com", sent.To);
        Assert.Equal("Welcome, Ada Lovelace", sent.Subject);
    }

    [Fact]
    public async Task PostAuthor_MailServerDownTwice_EmailSentOnTheThirdAttemptAfterTheBackoff()
    {
        _email.FailuresLeft = 2;
        (await _client.PostAsJsonAsync("/authors", new { name = "Grace Hopper" }, Ct)).EnsureSuccessStatusCode();

        var first = Assert.Single(await _errand.DrainAsync(Ct));   // fails; its retry waits for its delay ([Job(RetryDelay = 2, RetryBackoff = true)])
        var later = Assert.Single(await _errand.AdvanceAsync(TimeSpan.FromMinutes(1), Ct));   // fake time: no sleep

        Assert.Equal(JobStatus.Queued, first.Status);
        Assert.Contains("mail server down", first.Error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Complete, later.Status);
        Assert.Equal(3, later.Attempts);
        Assert.Equal("Welcome, Grace Hopper", Assert.Single(_email.Sent).Subject);
    }

    [Fact]
    public async Task PostAuthor_InvalidRequest_EnqueuesNothing()
    {
        var response = await _client.PostAsJsonAsync("/authors", new { name = " " }, Ct);

        Assert.False(response.IsSuccessStatusCode);
        await _errand.AssertNothingEnqueuedAsync(Ct);
    }

    // DisposeAsync stops the app; RecordingEmailSender records messages and fails the first FailuresLeft sends.
    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }

    /// <summary>Records e-mail instead of sending it; fails the first <see cref="FailuresLeft"/> sends.</summary>
    private sealed class RecordingEmailSender : IEmailSender
    {
        public List<EmailMessage> Sent { get; } = [];

        public int FailuresLeft { get; set; }

        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
        {
            if (FailuresLeft-- > 0)
            {
                throw new IOException("mail server down");
            }

            Sent.Add(message);
            return Task.CompletedTask;
        }
    }
}
