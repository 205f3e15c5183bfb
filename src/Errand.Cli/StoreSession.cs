using Errand.Backends;
using Errand.Hosting;

namespace Errand.Cli;

/// <summary>One connection to the store a command looks at (a Redis, a PostgreSQL database): finds its queues and opens them.</summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private readonly IQueueStore _store;

    private StoreSession(IQueueStore store, string engine)
    {
        _store = store;
        Engine = engine;
    }

    /// <summary>Gets the engine's name, for messages: <c>Redis</c>, <c>PostgreSQL</c>.</summary>
    public string Engine { get; }

    /// <summary>Gets the server, without credentials.</summary>
    public string Endpoint => _store.Endpoint;

    public static async Task<StoreSession> ConnectAsync(string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IQueueStoreProvider provider;
        try
        {
            provider = BuiltInStores.Schemes.Find(url) ?? throw new ArgumentException("The URL is empty.");
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.BadUrl, Lower(WithoutParameter(ex)));
        }

        try
        {
            var store = await provider.ConnectAsync(url, new QueueStoreOptions { OperationTimeout = timeout, FailFast = true }, cancellationToken).ConfigureAwait(false);
            return new StoreSession(store, provider.Name);
        }
        catch (ArgumentException ex)
        {
            // The providers' messages never repeat the URL, which may hold a password.
            throw new CliException(ExitCodes.BadUrl, $"the {provider.Name} URL is not valid: {WithoutParameter(ex)}");
        }
        catch (BackendUnavailableException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach {provider.Name} at {ex.Endpoint}: {ex.Reason}.");
        }
    }

    /// <summary>Returns the names of the queues stored here, sorted.</summary>
    public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken) => _store.FindQueuesAsync(cancellationToken);

    /// <summary>Returns whether anything of queue <paramref name="name"/> is stored: its lists, a worker, or a job.</summary>
    public Task<bool> QueueExistsAsync(string name, CancellationToken cancellationToken) => _store.QueueExistsAsync(name, cancellationToken);

    /// <summary>Opens queue <paramref name="name"/> over this session's connection; disposing the queue leaves the connection open.</summary>
    public async Task<Queue> OpenAsync(string name, CancellationToken cancellationToken) =>
        new(await _store.OpenBackendAsync(name, cancellationToken).ConfigureAwait(false));

    /// <summary>Opens queue <paramref name="name"/>, or fails with <see cref="ExitCodes.QueueNotFound"/> when nothing of it is stored.</summary>
    public async Task<Queue> OpenExistingAsync(string name, CancellationToken cancellationToken)
    {
        if (!await QueueExistsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            throw QueueNotFound(name);
        }

        return await OpenAsync(name, cancellationToken).ConfigureAwait(false);
    }

    public CliException QueueNotFound(string name) =>
        new(ExitCodes.QueueNotFound, $"queue '{name}' not found at {Endpoint} (nothing of it is stored: no job, no worker).");

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    private static string WithoutParameter(ArgumentException ex) =>
        ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : ex.Message;

    private static string Lower(string message) => message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : message;
}
