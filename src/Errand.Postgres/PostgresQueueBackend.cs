using System.Net.Sockets;
using Errand.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Errand.Postgres;

/// <summary>Stores one queue in PostgreSQL, in the tables Python SAQ uses (<c>spec/saq-postgres-format.md</c>), so that SAQ and Errand share a database.</summary>
/// <remarks>
/// Safe for concurrent use. Commands take pooled connections from one <see cref="NpgsqlDataSource"/>; idle dequeues
/// and subscriptions share one dedicated connection that listens on the queue's channels, and reconnects with
/// backoff when PostgreSQL goes away. Every "now" comes from the backend's <see cref="TimeProvider"/> and is passed to
/// the statements. Commands that cannot reach the server fail with <see cref="BackendUnavailableException"/>.
/// </remarks>
public sealed partial class PostgresQueueBackend : IQueueBackend
{
    private const string Finished = "('aborted', 'complete', 'failed')";

    private readonly PostgresBackendOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PostgresTables _tables;
    private readonly string _endpoint;
    private readonly string _saqChannel;
    private readonly string _errandChannel;
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    private PostgresQueueBackend(NpgsqlDataSource dataSource, bool ownsDataSource, PostgresBackendOptions options, TimeProvider? time, ILoggerFactory? loggerFactory)
    {
        _options = options;
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _time = time ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PostgresQueueBackend>();
        _tables = new PostgresTables(options);
        _endpoint = PostgresConnectionString.Describe(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString));
        _saqChannel = "saq:" + options.QueueName;
        _errandChannel = "errand:" + options.QueueName;
    }

    /// <summary>Gets the capabilities of the PostgreSQL backend: durable storage, and, unless <see cref="PostgresBackendOptions.PollInterval"/> is set, blocking dequeue and notifications across processes.</summary>
    public BackendCapabilities Capabilities => _options.PollInterval is null
        ? BackendCapabilities.BlockingDequeue | BackendCapabilities.CrossProcessNotifications | BackendCapabilities.Durable | BackendCapabilities.Limits
        : BackendCapabilities.Durable | BackendCapabilities.Limits;

    /// <inheritdoc />
    public string QueueName => _options.QueueName;

    /// <summary>Connects to PostgreSQL, migrates SAQ's schema when needed, and returns a backend that owns its data source.</summary>
    /// <param name="url"><c>postgresql://[user[:password]@]host[:port]/db[?params]</c> (or <c>postgres://</c>), or an Npgsql connection string.</param>
    /// <param name="options">The backend options.</param>
    /// <param name="time">The clock every "now" is read from, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The backend; disposing it closes its connections.</returns>
    /// <exception cref="ArgumentException">The URL or an option is not valid.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    /// <exception cref="InvalidOperationException">The database holds a SAQ schema newer than this version knows.</exception>
    public static async Task<PostgresQueueBackend> ConnectAsync(
        string url,
        PostgresBackendOptions options,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = PostgresConnectionString.WithErrandDefaults(PostgresConnectionString.Parse(url));
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(NpgsqlLoggerFactory.Wrap(loggerFactory)).Build();
        return await StartedAsync(new PostgresQueueBackend(dataSource, ownsDataSource: true, options, time, loggerFactory), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts <paramref name="backend"/>, or disposes it when it cannot start.</summary>
    internal static async Task<PostgresQueueBackend> StartedAsync(PostgresQueueBackend backend, CancellationToken cancellationToken)
    {
        try
        {
            await backend.StartAsync(cancellationToken).ConfigureAwait(false);
            return backend;
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Returns a backend over a data source shared with other queues of the process; the backend never disposes it.</summary>
    /// <param name="dataSource">The shared data source.</param>
    /// <param name="options">The backend options.</param>
    /// <param name="time">The clock every "now" is read from, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <returns>The backend. Its schema is migrated and its listener started by <see cref="StartAsync"/>, which the first command does not wait for.</returns>
    /// <exception cref="ArgumentException">An option is not valid.</exception>
    public static PostgresQueueBackend Create(NpgsqlDataSource dataSource, PostgresBackendOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new PostgresQueueBackend(dataSource, ownsDataSource: false, options, time, loggerFactory);
    }

    /// <summary>Migrates SAQ's schema (and Errand's tables) when needed, and starts listening on the queue's channels.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the schema is current and the listener is in place.</returns>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    /// <exception cref="InvalidOperationException">The database holds a SAQ schema newer than this version knows.</exception>
    /// <remarks><see cref="ConnectAsync"/> calls it; a backend made by <see cref="Create"/> must be started once before use.</remarks>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
            await StartListeningAsync(cancellationToken).ConfigureAwait(false);
            await RefreshLimitedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        PostgresLog.Connected(_logger, QueueName, _endpoint);
    }

    /// <summary>Closes the listener and the subscriptions, wakes waiting dequeues, and disposes the data source when the backend made it.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        await StopListeningAsync().ConfigureAwait(false);
        SignalReady();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _disposing.Dispose();
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long Seconds(long ms) => Math.DivRem(ms, 1000, out var rest) - (rest < 0 ? 1 : 0);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void EnsureOwnJob(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.Equals(job.Queue, QueueName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job {job.Key} belongs to queue '{job.Queue}', not '{QueueName}'.", nameof(job));
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    private BackendUnavailableException Unavailable(Exception exception) => new(_endpoint, exception);

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Reads a row's job: the document with the status column laid over it; <see langword="null"/> when the document is missing.</summary>
    private static Job? ReadJob(StoredRow row)
    {
        if (row.Document.Length == 0)
        {
            return null;
        }

        var job = JobDocument.Deserialize(row.Document, row.Key, row.Queue);
        if (row.Status is { } status)
        {
            job.Status = status;
        }

        return job;
    }

    private Job? TryReadJob(StoredRow row)
    {
        try
        {
            return ReadJob(row);
        }
        catch (CorruptJobException)
        {
            return null;
        }
    }

    private static JobStatus? ParseStatus(string status) =>
        JobStatusExtensions.TryParseWire(status, out var parsed) ? parsed : null;

    private static StoredRow ReadRow(NpgsqlDataReader reader, int first) => new(
        reader.GetString(first),
        reader.GetString(first + 1),
        reader.GetFieldValue<byte[]>(first + 2),
        ParseStatus(reader.GetString(first + 3)));
}
