using Authors;
using Errand;
using Errand.AspNetCore;
using Errand.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Snippets;

/// <summary>The README's enqueue with an EF Core context, on the Authors sample's types.</summary>
internal static class EntityFrameworkSnippets
{
    public static void Register(WebApplicationBuilder builder, string connectionString)
    {
        builder.Services.AddErrand().UseRedis().UsePostgres().AddJobService<AuthorService>().AddEntityFrameworkOutbox<AuthorsDb>();
        builder.Services.AddDbContext<AuthorsDb>((services, o) => o.UseSqlite(connectionString).UseErrand(services));
        // AuthorsDb.OnModelCreating: modelBuilder.AddErrandOutbox();   then a migration (dotnet ef migrations add ErrandOutbox) or EnsureCreated
    }

    public static async Task CreateAsync(AuthorsDb db, IQueue queue, Author author, AuthorDto dto, int authorId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Authors.Add(author);
        await db.SaveChangesAsync(ct);
        await queue.EnqueueAsync<AuthorService>(db, s => s.SendAuthorCreatedEmailAsync(dto, default), cancellationToken: ct);
        await queue.EnqueueAsync(db, "send_welcome", new { authorId }, cancellationToken: ct);          // named functions alike
        await transaction.CommitAsync(ct);
    }
}
