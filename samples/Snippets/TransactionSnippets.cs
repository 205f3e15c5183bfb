using Errand;
using Errand.Postgres;
using Npgsql;

namespace Snippets;

/// <summary>The README's enqueue in an Npgsql transaction.</summary>
internal static class TransactionSnippets
{
    public static async Task EnqueueInTransactionAsync(NpgsqlConnection connection, IQueue queue, long authorId, IEnumerable<object?> pages, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // ... your INSERTs on connection ...
        await queue.EnqueueAsync(transaction, "send_welcome", new { authorId }, cancellationToken: ct);   // the IQueue from DI, or a Queue
        await queue.EnqueueManyAsync(transaction, "index_page", pages, cancellationToken: ct);           // up to 1,000 per statement
        await transaction.CommitAsync(ct);
    }
}
