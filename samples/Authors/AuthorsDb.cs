using Errand.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Authors;

public sealed class AuthorsDb(DbContextOptions<AuthorsDb> options) : DbContext(options)
{
    public DbSet<Author> Authors => Set<Author>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var author = modelBuilder.Entity<Author>();
        author.Property(a => a.Name).HasMaxLength(200);
        author.Property(a => a.Email).HasMaxLength(320);
        // SQLite cannot order by DateTimeOffset; store it as text that sorts.
        author.Property(a => a.CreatedAt).HasConversion(v => v.ToUniversalTime().ToString("O"), v => DateTimeOffset.Parse(v, System.Globalization.CultureInfo.InvariantCulture));

        // Jobs of a queue outside this database wait here until their transaction commits.
        modelBuilder.AddErrandOutbox();
    }
}
