using Microsoft.Extensions.Logging;

namespace Errand.Postgres;

/// <summary>The application's logger factory as Npgsql sees it: Npgsql's Information events (one per command) come out at Debug.</summary>
/// <remarks>
/// Npgsql logs every executed command at Information; a worker that polls, listens and sweeps would fill an application's
/// log with SQL at the usual level. Warnings and errors pass unchanged; the commands stay visible at Debug.
/// Disposing it does not dispose the application's factory.
/// </remarks>
internal sealed class NpgsqlLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public static ILoggerFactory? Wrap(ILoggerFactory? loggerFactory) => loggerFactory is null ? null : new NpgsqlLoggerFactory(loggerFactory);

    public ILogger CreateLogger(string categoryName) => new QuietLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
    }

    private sealed class QuietLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(Lower(logLevel));

        // A forwarding logger: the state is already built, and the inner logger checks its own level.
#pragma warning disable CA1873
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(Lower(logLevel), eventId, state, exception, formatter);
#pragma warning restore CA1873

        private static LogLevel Lower(LogLevel logLevel) => logLevel == LogLevel.Information ? LogLevel.Debug : logLevel;
    }
}
