using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Errand.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Errand;

/// <summary>Takes jobs from one queue and runs their functions, with SAQ's timers: schedule, sweep, abort check and worker info.</summary>
/// <remarks>
/// <see cref="RunAsync"/> runs until its token fires (or, in burst mode, until the queue is drained). Shutdown has two
/// phases: the worker stops taking jobs, gives running jobs <see cref="WorkerOptions.ShutdownGracePeriod"/> to end, then
/// fires their tokens; a job cut off this way is retried with the reason <c>cancelled</c>, not failed.
/// </remarks>
public sealed partial class Worker : IDisposable
{
    private readonly Queue _queue;
    private readonly IQueueBackend _backend;
    private readonly JobFunctions _functions;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IServiceProvider? _services;
    // One entry per attempt, not per key: a job retried at once can be taken again before its last attempt's cleanup.
    private readonly ConcurrentDictionary<RunningJob, byte> _running = new();
    private readonly CancellationTokenSource _jobsShutdown = new();
    private readonly SemaphoreSlim _storing;
    private readonly long _startedMs;
    private long _complete;
    private long _failed;
    private long _retried;
    private long _aborted;
    private readonly JsonElement _metadata;

    /// <summary>Initializes a worker for <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue to work.</param>
    /// <param name="functions">The functions it can run.</param>
    /// <param name="options">The worker options, or <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <param name="services">Services handed to job functions through <see cref="JobContext.Services"/>, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range, or a cron job names an unregistered function.</exception>
    public Worker(Queue queue, JobFunctions functions, WorkerOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(functions);
        _options = options ?? new WorkerOptions();
        _options.Validate();
        foreach (var cron in _options.CronJobs)
        {
            if (!functions.Contains(cron.Function))
            {
                throw new ArgumentException($"Cron job '{cron.Name}' names function '{cron.Function}', which is not registered.", nameof(options));
            }
        }

        _queue = queue;
        _backend = queue.Backend;
        _functions = functions;
        _time = time ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Worker>();
        _services = services;
        Id = _options.WorkerId ?? Guid.NewGuid().ToString();
        _startedMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _storing = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        _metadata = WriteMetadata();
    }

    /// <summary>Gets the worker id.</summary>
    public string Id { get; }

    /// <summary>Gets the queue this worker takes jobs from.</summary>
    public IQueue Queue => _queue;

    /// <summary>Gets the hooks run at start, at stop and around every job.</summary>
    public WorkerHooks Hooks { get; } = new();

    /// <summary>Gets the worker's counters since it was created.</summary>
    public WorkerStats Stats => new(
        Interlocked.Read(ref _complete),
        Interlocked.Read(ref _failed),
        Interlocked.Read(ref _retried),
        Interlocked.Read(ref _aborted),
        _time.GetUtcNow().ToUnixTimeMilliseconds() - _startedMs);

    /// <summary>Gets how many jobs are running now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Runs the worker until <paramref name="stoppingToken"/> fires, or in burst mode until the queue is drained.</summary>
    /// <param name="stoppingToken">Starts the graceful shutdown.</param>
    /// <returns>A task that completes when the worker has stopped and every job it took has ended or been handed back.</returns>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        foreach (var hook in Hooks.Startup)
        {
            await hook(this, stoppingToken).ConfigureAwait(false);
        }

        var names = string.Join(", ", _functions.Names);
        Log.WorkerStarted(_logger, Id, _queue.Name, _options.Concurrency, names);
        using var timersStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        if (_queue.Limits is { IsEmpty: false } limits)
        {
            limits.Validate();
            await _backend.SetLimitsAsync(limits, stoppingToken).ConfigureAwait(false);
        }

        await WriteWorkerInfoSafelyAsync(stoppingToken).ConfigureAwait(false);
        await StartPauseWatchAsync(stoppingToken).ConfigureAwait(false);
        var timers = StartTimers(timersStop.Token);
        using var slots = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);

        // Two dequeue loops, each taking up to half the slots: while the backend stores and takes for one batch, the
        // jobs of the other run. One loop in burst mode (its job limit is counted in one place) or for a small worker.
        var lanes = _options.Burst || _options.Concurrency < 4 ? 1 : 2;
        var perLane = (_options.Concurrency + lanes - 1) / lanes;
        var jobs = new List<BatchStart>[lanes];
        var loops = new Task[lanes];
        for (var i = 0; i < lanes; i++)
        {
            jobs[i] = [];
            loops[i] = DequeueLoopAsync(jobs[i], slots, perLane, stoppingToken);
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            await DrainAsync([.. jobs.SelectMany(j => j).Select(batch => batch.Ended)]).ConfigureAwait(false);
            await timersStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(timers).ConfigureAwait(false);
            await StopPauseWatchAsync().ConfigureAwait(false);
            await RemoveWorkerInfoSafelyAsync().ConfigureAwait(false);
            foreach (var hook in Hooks.Shutdown)
            {
                try
                {
                    await hook(this, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Log.HookFailed(_logger, ex, Id, "shutdown");
                }
            }

            Log.WorkerStopped(_logger, Id);
        }
    }

    /// <summary>Releases the worker's resources; call it after <see cref="RunAsync"/> has completed.</summary>
    public void Dispose()
    {
        _jobsShutdown.Dispose();
        _storing.Dispose();
    }

    private async Task DequeueLoopAsync(List<BatchStart> jobs, SemaphoreSlim slots, int maxBatch, CancellationToken stoppingToken)
    {
        var taken = 0;
        var failures = 0;

        using var takes = new TakeTokens(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_options.MaxBurstJobs is { } max && taken >= max)
            {
                break;
            }

            if (IsPaused)
            {
                if (_options.Burst)
                {
                    // A paused queue has nothing to take: burst mode ends once the jobs it runs have ended.
                    jobs.RemoveAll(batch => batch.Ended.IsCompleted);
                    if (jobs.Count == 0)
                    {
                        break;
                    }

                    await Task.WhenAny(jobs.Select(batch => batch.Ended)).ConfigureAwait(false);
                    continue;
                }

                await WaitResumedAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            var free = 1;
            while (free < maxBatch && slots.Wait(0, CancellationToken.None))
            {
                free++;
            }

            if (_options.MaxBurstJobs is { } limit)
            {
                var surplus = Math.Max(0, free - (limit - taken));
                if (surplus > 0)
                {
                    slots.Release(surplus);
                    free -= surplus;
                }
            }

            if (TakesSource() is not { } source || source.IsCancellationRequested)
            {
                // Paused while this loop waited for a slot.
                slots.Release(free);
                continue;
            }

            IReadOnlyList<Job> batch;
            try
            {
                var wait = _options.Burst ? TimeSpan.Zero : _options.DequeueWait;
                batch = await _backend.DequeueAsync(new DequeueRequest(Id, free, wait), takes.For(source)).ConfigureAwait(false);
                failures = 0;
                Outage.Succeeded("dequeue");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                slots.Release(free);
                break;
            }
            catch (OperationCanceledException) when (source.IsCancellationRequested)
            {
                // Paused during the take: nothing was taken.
                slots.Release(free);
                continue;
            }
            catch (Exception ex)
            {
                slots.Release(free);
                var delay = Backoff(++failures);
                Outage.Failed(ex, "dequeue", delay);
                await DelayAsync(delay, stoppingToken).ConfigureAwait(false);
                continue;
            }

            if (batch.Count < free)
            {
                slots.Release(free - batch.Count);
            }

            // Started here, one after another; a function that computes before its first await (a synchronous one)
            // holds this lane, never the other jobs of its batch (BatchStart).
            if (batch.Count > 0)
            {
                var start = new BatchStart(this, batch, slots);
                jobs.Add(start);
                start.StartAll();
            }

            taken += batch.Count;

            jobs.RemoveAll(batch => batch.Ended.IsCompleted);
            if (_options.Burst && batch.Count == 0)
            {
                if (RunningCount == 0)
                {
                    break;
                }

                // Wait for a running job to end before looking again: it may retry or enqueue more work.
                if (jobs.Count > 0)
                {
                    await Task.WhenAny(jobs.Select(batch => batch.AnyEnded())).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task ProcessAndReleaseAsync(Job job, SemaphoreSlim slots, BatchStart batch)
    {
        var lease = new SlotLease(slots, _storing);
        Exception? failure = null;
        try
        {
            await ProcessAsync(job, lease).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not expected (ProcessAsync stores every outcome); kept for the batch's task, which the drain awaits.
            failure = ex;
        }
        finally
        {
            lease.Release();
            batch.JobEnded(failure);
        }
    }

    private async Task DrainAsync(List<Task> jobs)
    {
        jobs.RemoveAll(t => t.IsCompleted);
        if (jobs.Count == 0)
        {
            return;
        }

        Log.WorkerStopping(_logger, Id, jobs.Count, _options.ShutdownGracePeriod);
        var all = Task.WhenAll(jobs);
        try
        {
            await all.WaitAsync(_options.ShutdownGracePeriod, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Second phase: fire every running job's token; each is handed back to the queue as "cancelled".
            await _jobsShutdown.CancelAsync().ConfigureAwait(false);
            foreach (var running in _running.Keys)
            {
                running.Shutdown();
            }

            await all.ConfigureAwait(false);
        }
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures - 1, 10))));

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // Written once, by hand: the values are strings and numbers, and the reflection-based serializer would cost the
    // process its code and memory for this one document.
    private JsonElement WriteMetadata()
    {
        var own = _options.Metadata;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (!own.ContainsKey("host"))
            {
                writer.WriteString("host", Environment.MachineName);
            }

            if (!own.ContainsKey("pid"))
            {
                writer.WriteNumber("pid", Environment.ProcessId);
            }

            if (!own.ContainsKey("runtime"))
            {
                writer.WriteString("runtime", "errand-dotnet");
            }

            if (!own.ContainsKey("concurrency"))
            {
                writer.WriteNumber("concurrency", _options.Concurrency);
            }

            if (!own.ContainsKey("functions"))
            {
                writer.WriteStartArray("functions");
                foreach (var name in _functions.Names)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            foreach (var (name, value) in own)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
