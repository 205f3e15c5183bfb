namespace Errand.Postgres;

/// <summary>
/// Requests that wait for the next round trip of their kind, in call order: the first caller sends a batch, and what
/// comes while it is on its way goes in the next one. A batch holds each key once (a second request of a key waits for
/// the next batch, so that it meets what the first stored) and at most a bound of requests.
/// </summary>
/// <typeparam name="T">The request.</typeparam>
/// <param name="keyOf">The key of a request.</param>
/// <param name="maxBatch">The most requests in one batch.</param>
/// <param name="inOrder">Whether a batch ends at the first request that must wait (so that requests are sent in call
/// order), rather than taking the later requests of other keys past it.</param>
internal sealed class KeyedBatches<T>(Func<T, string> keyOf, int maxBatch, bool inOrder)
{
    private readonly Lock _lock = new();
    private List<T> _pending = [];
    private bool _sending;

    /// <summary>Adds a request; returns whether the caller is to send (no batch is on its way).</summary>
    public bool Add(T request)
    {
        lock (_lock)
        {
            _pending.Add(request);
            var send = !_sending;
            _sending = true;
            return send;
        }
    }

    /// <summary>Takes the next batch of the pending requests.</summary>
    public List<T> Take()
    {
        var batch = new List<T>();
        lock (_lock)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var left = new List<T>();
            foreach (var request in _pending)
            {
                if (batch.Count < maxBatch && (left.Count == 0 || !inOrder) && keys.Add(keyOf(request)))
                {
                    batch.Add(request);
                }
                else
                {
                    left.Add(request);
                }
            }

            _pending = left;
        }

        return batch;
    }

    /// <summary>Ends a send; returns whether requests came meanwhile, which the caller is to send next (off its caller's path).</summary>
    public bool Sent()
    {
        lock (_lock)
        {
            _sending = _pending.Count > 0;
            return _sending;
        }
    }
}
