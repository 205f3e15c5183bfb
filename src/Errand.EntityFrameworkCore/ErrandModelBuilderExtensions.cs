using Microsoft.EntityFrameworkCore;

namespace Errand.EntityFrameworkCore;

/// <summary>Maps Errand's outbox table in the application's EF Core model.</summary>
public static class ErrandModelBuilderExtensions
{
    /// <summary>Maps <see cref="ErrandOutboxMessage"/> to the table <paramref name="table"/>; call it from <c>OnModelCreating</c>, then add a migration (or use <c>EnsureCreated</c>).</summary>
    /// <param name="modelBuilder">The model builder.</param>
    /// <param name="table">The table name.</param>
    /// <param name="schema">The schema, or <see langword="null"/> for the default.</param>
    /// <returns>The model builder.</returns>
    /// <remarks>The table is needed only for jobs of queues stored outside the context's database (Redis, or PostgreSQL elsewhere); mapping it costs nothing otherwise.</remarks>
    public static ModelBuilder AddErrandOutbox(this ModelBuilder modelBuilder, string table = "errand_outbox", string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentException.ThrowIfNullOrEmpty(table);
        modelBuilder.Entity<ErrandOutboxMessage>(entity =>
        {
            entity.ToTable(table, schema);
            entity.HasKey(m => m.Id);
            entity.Property(m => m.Id).HasColumnName("id").HasMaxLength(32);
            entity.Property(m => m.Queue).HasColumnName("queue").IsRequired();
            entity.Property(m => m.Key).HasColumnName("key").IsRequired();
            entity.Property(m => m.Document).HasColumnName("document").IsRequired();
            entity.Property(m => m.CreatedMs).HasColumnName("created_ms");
            entity.HasIndex(m => m.CreatedMs);
        });
        return modelBuilder;
    }
}
