using Errand.Backends;

namespace Errand.InMemory;

/// <summary>Keeps one queue's jobs in this process, with the semantics of SAQ's Redis layout; for first steps, samples and tests.</summary>
/// <remarks>
/// Safe for concurrent use: one lock guards all state. Jobs are stored as serialized SAQ documents, so callers never
/// share a mutable <see cref="Job"/> with the store. Time, including TTLs, locks and blocking waits, comes from the
/// <see cref="TimeProvider"/> given to the constructor; expired entries are dropped when next looked at.
/// Nothing survives the process, and no other process sees the queue.
/// </remarks>
public sealed partial class InMemoryQueueBackend : IQueueBackend
{
    // SAQ keeps the abort marker for 5 s; a worker that has not seen the abort by then never will.
    private const long AbortMarkerMs = 5_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    // saq:job:Q:K -> the job document, and when it expires (0 = never).
    private readonly Dictionary<string, (byte[] Document, long ExpiresAtMs)> _documents = new(StringComparer.Ordinal);

    // Documents with an expiry, soonest first, so finished jobs are dropped even if nobody reads them again.
    private readonly PriorityQueue<string, long> _expiries = new();

    // saq:Q:incomplete: key -> score, epoch seconds when it may run (0 = now).
    private readonly Dictionary<string, double> _incomplete = new(StringComparer.Ordinal);

    // saq:Q:queued and saq:Q:active, oldest first.
    private readonly LinkedList<string> _queued = new();
    private readonly LinkedList<string> _active = new();

    // saq:abort:K -> reason and expiry.
    private readonly Dictionary<string, (string Reason, long ExpiresAtMs)> _abortMarkers = new(StringComparer.Ordinal);

    // worker key -> worker-info document, its expiry and when it was written.
    private readonly Dictionary<string, (byte[] Document, long ExpiresAtMs, long WrittenAtMs)> _workers = new(StringComparer.Ordinal);

    // Active keys under suspicion (in transit or worker gone) -> when the sweeper first saw them so.
    private readonly Dictionary<string, long> _suspects = new(StringComparer.Ordinal);

    // Running jobs aborted (out of the active list, as SAQ's abort leaves them) -> when: the sweeper ends those whose
    // worker never does.
    private readonly Dictionary<string, long> _abortedRunning = new(StringComparer.Ordinal);

    private readonly List<JobSubscription> _subscriptions = [];

    private long _scheduleLockUntilMs;
    private long _sweepLockUntilMs;
    private TaskCompletionSource _ready = NewSignal();
    private bool _disposed;

    /// <summary>Initializes an empty queue named <paramref name="queueName"/>.</summary>
    /// <param name="queueName">The queue name.</param>
    /// <param name="time">The clock for job times, TTLs, locks and waits; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is empty.</exception>
    public InMemoryQueueBackend(string queueName = "default", TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        QueueName = queueName;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string QueueName { get; }

    /// <inheritdoc />
    /// <value>Always <see cref="BackendCapabilities.BlockingDequeue"/> and <see cref="BackendCapabilities.Limits"/>: an idle dequeue wakes on enqueue, but nothing is durable or seen by other processes.</value>
    public BackendCapabilities Capabilities => BackendCapabilities.BlockingDequeue | BackendCapabilities.Limits;

    /// <summary>Gets whether the backend was disposed.</summary>
    internal bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>Ends every subscription and wakes waiting dequeues; from then on dequeues return empty and other calls throw <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            foreach (var subscription in _subscriptions)
            {
                subscription.Complete();
            }

            _subscriptions.Clear();
            _pauseWatchers.Clear();
            SignalReady();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Gets how many documents are held, expired or not (a test seam).</summary>
    internal int DocumentCount
    {
        get
        {
            lock (_gate)
            {
                return _documents.Count;
            }
        }
    }

    /// <summary>Deletes a job's document and nothing else, as if it had vanished from the store (a test seam).</summary>
    internal bool DeleteDocument(string key)
    {
        lock (_gate)
        {
            return _documents.Remove(key);
        }
    }

    /// <summary>Replaces a job's document with raw bytes and nothing else (a test seam).</summary>
    internal bool ReplaceDocument(string key, byte[] document)
    {
        lock (_gate)
        {
                        if (!_documents.ContainsKey(key))
            {
                return false;
            }

            _documents[key] = (document, 0);
            return true;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void CheckQueue(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.Equals(job.Queue, QueueName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job {job.Key} belongs to queue '{job.Queue}', not '{QueueName}'.", nameof(job));
        }
    }

    // Wakes every waiting dequeue; each tries again and the losers wait on the next signal.
    private void SignalReady()
    {
        _ready.TrySetResult();
        _ready = NewSignal();
    }

    private bool TryGetDocument(string key, long nowMs, out byte[] document)
    {
        if (_documents.TryGetValue(key, out var entry))
        {
            if (entry.ExpiresAtMs == 0 || entry.ExpiresAtMs > nowMs)
            {
                document = entry.Document;
                return true;
            }

            _documents.Remove(key);
        }

        document = [];
        return false;
    }

    /// <summary>Reads a stored job as a new instance; <see langword="null"/> when missing. Throws <see cref="CorruptJobException"/>.</summary>
    private Job? ReadJob(string key, long nowMs) =>
        TryGetDocument(key, nowMs, out var document) ? JobDocument.Deserialize(document, key, QueueName) : null;

    private Job? TryReadJob(string key, long nowMs)
    {
        try
        {
            return ReadJob(key, nowMs);
        }
        catch (CorruptJobException)
        {
            return null;
        }
    }

    private void Store(Job job, long expiresAtMs = 0)
    {
        _documents[job.Key] = (JobDocument.Serialize(job), expiresAtMs);
        if (expiresAtMs > 0)
        {
            _expiries.Enqueue(job.Key, expiresAtMs);
        }
    }

    // Drops documents whose TTL has passed; an entry is stale when the document was written again since.
    private void PurgeExpired(long nowMs)
    {
        while (_expiries.TryPeek(out var key, out var expiresAtMs) && expiresAtMs <= nowMs)
        {
            _expiries.Dequeue();
            if (_documents.TryGetValue(key, out var entry) && entry.ExpiresAtMs != 0 && entry.ExpiresAtMs <= nowMs)
            {
                _documents.Remove(key);
                _attempts.Remove(key);
                _retrying.Remove(key);
            }
        }
    }

    private void Publish(string key, JobStatus status)
    {
        var change = new JobStatusChange(key, status);
        foreach (var subscription in _subscriptions)
        {
            subscription.Deliver(change);
        }
    }
}
