using System.Text;
using System.Text.Json;
using Errand.Backends;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Errand.EntityFrameworkCore;

/// <summary>Writes a job to the outbox table of a DbContext: in its current transaction at once, or with its next save.</summary>
internal static class OutboxWriter
{
    /// <summary>The job's <c>meta</c> entry that names its outbox row, so that a relay knows a job it already enqueued.</summary>
    public const string MetaKey = "errand_outbox";

    public static async Task WriteAsync(DbContext context, ContextJobs jobs, Queue queue, Job job, TimeProvider time, CancellationToken cancellationToken)
    {
        var entity = context.Model.FindEntityType(typeof(ErrandOutboxMessage))
            ?? throw new InvalidOperationException(
                $"Queue '{queue.Name}' is not stored in the database of {context.GetType().Name}, so its jobs go through an outbox table, which the model lacks: " +
                "call modelBuilder.AddErrandOutbox() in OnModelCreating and add a migration (or EnsureCreated).");
        var id = Guid.NewGuid().ToString("N");
        job.Meta[MetaKey] = JsonSerializer.SerializeToElement(id);
        var message = new ErrandOutboxMessage
        {
            Id = id,
            Queue = queue.Name,
            Key = job.Key,
            Document = Encoding.UTF8.GetString(JobDocument.Serialize(job)),
            CreatedMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };

        if (context.Database.CurrentTransaction is null)
        {
            context.Set<ErrandOutboxMessage>().Add(message);
        }
        else
        {
            await InsertAsync(context, entity, message, cancellationToken).ConfigureAwait(false);
        }

        jobs.MarkOutboxWritten();
    }

    // In a transaction that is already open the row goes in now, without saving the context's other changes.
    private static async Task InsertAsync(DbContext context, IEntityType entity, ErrandOutboxMessage message, CancellationToken cancellationToken)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = context.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
        var text =
            $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
            $"({Column(nameof(ErrandOutboxMessage.Id))}, {Column(nameof(ErrandOutboxMessage.Queue))}, {Column(nameof(ErrandOutboxMessage.Key))}, " +
            $"{Column(nameof(ErrandOutboxMessage.Document))}, {Column(nameof(ErrandOutboxMessage.CreatedMs))}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, {{4}})";
        await context.Database.ExecuteSqlRawAsync(text, [message.Id, message.Queue, message.Key, message.Document, message.CreatedMs], cancellationToken).ConfigureAwait(false);
    }
}
