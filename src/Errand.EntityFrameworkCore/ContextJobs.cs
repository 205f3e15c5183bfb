namespace Errand.EntityFrameworkCore;

/// <summary>What one DbContext has enqueued that its next save or commit must finish: jobs for a PostgreSQL queue of its database, and whether outbox rows wait for a commit.</summary>
internal sealed class ContextJobs
{
    private readonly Lock _lock = new();
    private List<(Queue Queue, Job Job)> _direct = [];
    private bool _outboxWritten;

    public bool HasDirect
    {
        get
        {
            lock (_lock)
            {
                return _direct.Count > 0;
            }
        }
    }

    public void AddDirect(Queue queue, Job job)
    {
        lock (_lock)
        {
            _direct.Add((queue, job));
        }
    }

    public List<(Queue Queue, Job Job)> TakeDirect()
    {
        lock (_lock)
        {
            var taken = _direct;
            _direct = [];
            return taken;
        }
    }

    public void MarkOutboxWritten()
    {
        lock (_lock)
        {
            _outboxWritten = true;
        }
    }

    public bool TakeOutboxWritten()
    {
        lock (_lock)
        {
            var written = _outboxWritten;
            _outboxWritten = false;
            return written;
        }
    }
}
