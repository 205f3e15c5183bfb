using Microsoft.EntityFrameworkCore;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>The application's context under test: authors, and Errand's outbox.</summary>
public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    public DbSet<Author> Authors => Set<Author>();

    public DbSet<ErrandOutboxMessage> Outbox => Set<ErrandOutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Author>().HasKey(a => a.Name);
        modelBuilder.AddErrandOutbox();
    }
}

public sealed class Author
{
    public string Name { get; set; } = string.Empty;
}
