using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Errand.Backends;

/// <summary>How a store connects, and what its backends read time and log through.</summary>
public sealed class QueueStoreOptions
{
    /// <summary>Gets the clock the backends read "now" from.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets the logger factory of the store and its backends.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Gets how long one command may wait for the engine before it fails with <see cref="BackendUnavailableException"/>.</summary>
    /// <value>The default is <see langword="null"/>: the backend's own default (5 seconds for Redis and PostgreSQL).</value>
    public TimeSpan? OperationTimeout { get; init; }

    /// <summary>Gets whether connecting fails at once when the engine cannot be reached, as a command-line tool wants; otherwise the store connects in the background and keeps retrying, as a service wants.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool FailFast { get; init; }
}
