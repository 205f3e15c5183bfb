using System.Collections.Concurrent;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>Counts the e-mails sent, by author, and signals each one.</summary>
public sealed class Mailbox
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _sent = new();

    public ConcurrentDictionary<string, int> Counts { get; } = new();

    public void Send(string name)
    {
        Counts.AddOrUpdate(name, 1, (_, n) => n + 1);
        Sent(name).TrySetResult();
    }

    public Task WaitAsync(string name) => Sent(name).Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    private TaskCompletionSource Sent(string name) => _sent.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>A job service, as an application writes one.</summary>
public sealed class MailService(Mailbox mailbox)
{
    [Errand.AspNetCore.Job]
    public Task SendWelcomeAsync(string name, CancellationToken cancellationToken)
    {
        mailbox.Send(name);
        return Task.CompletedTask;
    }
}
