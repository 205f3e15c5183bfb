namespace Errand;

/// <content>Starting the jobs of one taken batch.</content>
public sealed partial class Worker
{
    /// <summary>Starts the jobs of one batch: the dequeue loop's thread starts them one after another, and a helper on the thread pool goes on with the rest whenever a function holds that thread.</summary>
    /// <remarks>
    /// A work item per job costs a thread wake-up per job (about a tenth of the worker's CPU on no-op jobs); starting
    /// them all on one thread lets a function that computes before its first await (a synchronous one) hold the rest
    /// of its batch. Here whoever is free claims the next job, and whoever claims a job with more behind it makes sure
    /// a helper is queued: a starter held by its function never holds the rest. With asynchronous functions the
    /// loop's thread starts the whole batch and the one helper finds nothing left.
    /// </remarks>
    private sealed class BatchStart(Worker worker, IReadOnlyList<Job> jobs, SemaphoreSlim slots)
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _next;
        private int _running = jobs.Count;
        private int _helperQueued;
        private Exception? _failure;
        private TaskCompletionSource? _anyEnded;

        /// <summary>Gets a task that completes when every job of the batch has ended and its outcome is stored.</summary>
        public Task Ended => _ended.Task;

        /// <summary>Returns a task that completes when a job of the batch has ended and its outcome is stored (burst mode looks again then).</summary>
        public Task AnyEnded()
        {
            var any = LazyInitializer.EnsureInitialized(ref _anyEnded, static () => new(TaskCreationOptions.RunContinuationsAsynchronously));
            if (Volatile.Read(ref _running) < jobs.Count)
            {
                any.TrySetResult();
            }

            return any.Task;
        }

        /// <summary>Starts jobs until none is left to claim; each start returns at its function's first await.</summary>
        public void StartAll()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref _next) - 1;
                if (i >= jobs.Count)
                {
                    return;
                }

                if (i + 1 < jobs.Count && Interlocked.Exchange(ref _helperQueued, 1) == 0)
                {
                    // The safe variant: the helper's jobs see the same async-local state (logging scopes, activity) as
                    // those started here.
                    ThreadPool.QueueUserWorkItem(static start => start.Help(), this, preferLocal: false);
                }

                _ = worker.ProcessAndReleaseAsync(jobs[i], slots, this);
            }
        }

        /// <summary>One job has ended (its task's outcome is <paramref name="failure"/>, when it failed).</summary>
        public void JobEnded(Exception? failure)
        {
            if (failure is not null)
            {
                Interlocked.CompareExchange(ref _failure, failure, null);
            }

            var running = Interlocked.Decrement(ref _running);
            Volatile.Read(ref _anyEnded)?.TrySetResult();
            if (running == 0)
            {
                if (Volatile.Read(ref _failure) is { } first)
                {
                    _ended.TrySetException(first);
                }
                else
                {
                    _ended.TrySetResult();
                }
            }
        }

        private void Help()
        {
            // Cleared first: a job this helper claims with more behind it queues the next helper.
            Volatile.Write(ref _helperQueued, 0);
            StartAll();
        }
    }
}
