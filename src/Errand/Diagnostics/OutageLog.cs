using Microsoft.Extensions.Logging;

namespace Errand;

/// <summary>Logs an outage of the backend as three kinds of line: once when it starts, a reminder at a low rate while it lasts, once when it ends.</summary>
/// <remarks>
/// Only <see cref="BackendUnavailableException"/> counts as an outage, logged as one line with its cause and without
/// a stack trace; any other failure is a <c>BackendError</c> with its exception, as before. The outage ends when an
/// operation that failed during it works again: an operation that did not reach the backend (an abort check with no
/// job running) proves nothing. <see cref="Succeeded"/> is cheap when nothing is wrong (one volatile read), so it can
/// follow every backend call. Safe for concurrent use: the worker's dequeue loop, timers and job finishes share one.
/// </remarks>
internal sealed class OutageLog(ILogger logger, TimeProvider time, string workerId)
{
    /// <summary>The least time between two reminders of one outage.</summary>
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromSeconds(30);

    private const int MaxCauseLength = 200;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private volatile bool _down;
    private long _started;
    private long _reminded;
    private int _failures;

    /// <summary>Records a failed backend call of <paramref name="operation"/>, retried after <paramref name="retryDelay"/>.</summary>
    /// <param name="exception">What the backend threw.</param>
    /// <param name="operation">The operation, as <see cref="Succeeded"/> names it when it works again.</param>
    /// <param name="retryDelay">When it is tried again.</param>
    /// <param name="detail">The operation with its subject (a job's key), for a failure that is not an outage; by default <paramref name="operation"/>.</param>
    public void Failed(Exception exception, string operation, TimeSpan retryDelay, string? detail = null)
    {
        if (exception is not BackendUnavailableException unavailable)
        {
            Log.BackendError(logger, exception, workerId, detail ?? operation, retryDelay);
            return;
        }

        var now = time.GetTimestamp();
        lock (_gate)
        {
            _failures++;
            _failing.Add(operation);
            if (!_down)
            {
                (_started, _reminded, _failures, _down) = (now, now, 1, true);
                Log.BackendUnavailable(logger, workerId, operation, Cause(unavailable));
            }
            else if (time.GetElapsedTime(_reminded, now) >= ReminderInterval)
            {
                _reminded = now;
                Log.BackendStillUnavailable(logger, workerId, Rounded(time.GetElapsedTime(_started, now)), _failures, Cause(unavailable));
            }
        }
    }

    /// <summary>Records a call of <paramref name="operation"/> that worked: ends the outage if that operation failed during it.</summary>
    public void Succeeded(string operation)
    {
        if (!_down)
        {
            return;
        }

        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_down && _failing.Contains(operation))
            {
                _down = false;
                _failing.Clear();
                var duration = Rounded(time.GetElapsedTime(_started, now));
                Log.BackendAvailable(logger, workerId, duration, _failures);
            }
        }
    }

    /// <summary>Returns the client's message up to its first diagnostic detail, on one line: StackExchange.Redis appends a kilobyte of counters after " - ".</summary>
    internal static string Cause(BackendUnavailableException exception)
    {
        var text = (exception.InnerException ?? exception).Message.ReplaceLineEndings(" ");
        var cut = text.IndexOf(" - ", StringComparison.Ordinal);
        text = cut > 0 ? text[..cut] : text;
        text = text.Length > MaxCauseLength ? string.Concat(text.AsSpan(0, MaxCauseLength), "...") : text;
        return $"{exception.Endpoint}: {text}";
    }

    private static TimeSpan Rounded(TimeSpan span) => TimeSpan.FromMilliseconds(Math.Round(span.TotalMilliseconds / 100) * 100);
}
