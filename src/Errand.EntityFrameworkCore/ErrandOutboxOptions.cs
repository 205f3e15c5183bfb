namespace Errand.EntityFrameworkCore;

/// <summary>Options of the outbox relay, which moves jobs written in the application's transactions to their queues.</summary>
public sealed class ErrandOutboxOptions
{
    /// <summary>Gets or sets how often the relay looks at the outbox without being signalled, for rows a crash or a commit outside EF Core left behind.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many outbox rows one relay round reads, enqueues and deletes.</summary>
    /// <value>The default is 100.</value>
    public int BatchSize { get; set; } = 100;
}
