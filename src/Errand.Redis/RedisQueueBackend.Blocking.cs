using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>The blocking wait of an idle dequeue: BLMOVE on dedicated connections, never on the shared multiplexer.</content>
public sealed partial class RedisQueueBackend
{
    private static readonly TimeSpan UnblockRetryInterval = TimeSpan.FromMilliseconds(50);
    private const int UnblockAttempts = 20;

    /// <summary>
    /// Gets or sets how many ids of the active list's tail the read behind a BLMOVE returns (0: no read; the take reads
    /// the moved job's document). The moved id is the last one unless other clients pushed to the list between the
    /// move and the read, which runs in the same turn of Redis's loop.
    /// </summary>
    internal int PeekedTail { get; set; } = 4;

    private readonly ConcurrentBag<ConnectionMultiplexer> _idleBlocking = [];
    private readonly List<ConnectionMultiplexer> _allBlocking = [];
    private readonly Lock _blockingLock = new();

    /// <summary>Blocks up to <paramref name="wait"/> for one ready id and moves it to active; returns it, or <see langword="null"/> when none came.</summary>
    /// <remarks>
    /// The read of the active list's tail goes down the same socket right behind the BLMOVE, so Redis runs it as soon as
    /// the move is done: the moved job's document comes back without a round trip of its own (the idle worker's
    /// latency). It is looked up by id, so jobs other clients pushed in between cost only the lookup.
    /// </remarks>
    /// <param name="wait">How long to block.</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    /// <param name="wakeOnly">Moves the ready list's head onto itself instead (a limited queue: the take judges the job).</param>
    private async Task<MovedJob?> BlockingMoveAsync(TimeSpan wait, CancellationToken cancellationToken, bool wakeOnly = false)
    {
        var connection = await RentBlockingAsync().ConfigureAwait(false);
        try
        {
            var db = connection.GetDatabase(_db.Database);

            // All three go down the same socket in this order: CLIENT ID names the connection that blocks, and the read
            // runs right after the move.
            var clientId = IsCluster ? QueueServer(connection).ExecuteAsync("CLIENT", "ID") : db.ExecuteAsync("CLIENT", "ID");
            var move = wakeOnly
                ? db.ExecuteAsync("BLMOVE", _keys.Queued, _keys.Queued, "LEFT", "LEFT", Seconds(wait))
                : db.ExecuteAsync("BLMOVE", _keys.Queued, _keys.Active, "LEFT", "RIGHT", Seconds(wait));
            var tail = PeekedTail > 0 && !wakeOnly
                ? db.ScriptEvaluateAsync(RedisScripts.PeekActive, [_keys.Active], [PeekedTail])
                : null;
            RedisResult[] peeked;

            // Replies come in order: waiting for the last one wakes this thread once, with both at hand.
            var last = tail ?? move;
            if (cancellationToken.CanBeCanceled && !last.IsCompleted)
            {
                var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled))
                {
                    if (await Task.WhenAny(last, cancelled.Task).ConfigureAwait(false) != last)
                    {
                        await UnblockAsync(clientId, move).ConfigureAwait(false);
                    }
                }
            }

            RedisResult moved;
            try
            {
                moved = await move.ConfigureAwait(false);
            }
            finally
            {
                // Observed whatever the move did; its own failure is only the loss of a shortcut.
                peeked = await PeekedAsync(tail).ConfigureAwait(false);
            }

            if (moved.IsNull)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }

            var id = (string)moved!;
            for (var i = peeked.Length - 2; i >= 0; i -= 2)
            {
                if ((string?)peeked[i] == id)
                {
                    return new MovedJob(id, Read: true, (byte[]?)peeked[i + 1]);
                }
            }

            return new MovedJob(id, Read: false, Document: null);
        }
        finally
        {
            _idleBlocking.Add(connection);
        }
    }

    // The read behind the BLMOVE only saves a round trip: when it fails, the take reads the document instead.
    private static async Task<RedisResult[]> PeekedAsync(Task<RedisResult>? tail)
    {
        if (tail is null)
        {
            return [];
        }

        try
        {
            return (RedisResult[]?)await tail.ConfigureAwait(false) ?? [];
        }
        catch (Exception)
        {
            return [];
        }
    }

    // A cancelled wait must not hold the caller until the BLMOVE times out, and must not drop a job the BLMOVE takes
    // meanwhile: CLIENT UNBLOCK ends the wait as a timeout, and the move's own reply still says whether it took one.
    // The UNBLOCK goes through another of the backend's own blocking connections (CLIENT needs admin mode, which only
    // those have). When it cannot be sent, the caller waits for the BLMOVE's own timeout instead.
    private async Task UnblockAsync(Task<RedisResult> clientId, Task<RedisResult> move)
    {
        ConnectionMultiplexer? control = null;
        try
        {
            var id = (long)await clientId.ConfigureAwait(false);
            control = await RentBlockingAsync().ConfigureAwait(false);
            var db = control.GetDatabase(_db.Database);

            // The UNBLOCK can overtake the BLMOVE on its way to the server; then it is sent again.
            for (var attempt = 0; attempt < UnblockAttempts && !move.IsCompleted; attempt++)
            {
                await (IsCluster ? QueueServer(control).ExecuteAsync("CLIENT", "UNBLOCK", id) : db.ExecuteAsync("CLIENT", "UNBLOCK", id)).ConfigureAwait(false);

                // Real time on purpose: this paces network round trips, not job time.
                await Task.WhenAny(move, Task.Delay(UnblockRetryInterval, TimeProvider.System)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            RedisLog.UnblockFailed(_logger, ex, QueueName);
        }
        finally
        {
            if (control is not null)
            {
                _idleBlocking.Add(control);
            }
        }
    }

    private async Task<ConnectionMultiplexer> RentBlockingAsync()
    {
        if (_idleBlocking.TryTake(out var idle))
        {
            return idle;
        }

        var connection = await ConnectionMultiplexer.ConnectAsync(_blockingConfiguration).ConfigureAwait(false);
        bool disposed;
        lock (_blockingLock)
        {
            disposed = Volatile.Read(ref _disposed) != 0;
            if (!disposed)
            {
                _allBlocking.Add(connection);
            }
        }

        if (disposed)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(RedisQueueBackend));
        }

        return connection;
    }

    private async Task CloseBlockingConnectionsAsync()
    {
        ConnectionMultiplexer[] all;
        lock (_blockingLock)
        {
            all = [.. _allBlocking];
            _allBlocking.Clear();
        }

        foreach (var connection in all)
        {
            await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string Seconds(TimeSpan wait) =>
        Math.Max(0.01, wait.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
}
