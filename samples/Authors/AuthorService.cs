using Errand;
using Errand.AspNetCore;
using Errand.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Authors;

/// <summary>Creates and reads authors; the e-mail that greets a new author is sent in the background.</summary>
public partial class AuthorService(AuthorsDb db, IQueue queue, IEmailSender email, TimeProvider time, ILogger<AuthorService> logger)
{
    public async Task<AuthorDto> CreateAsync(CreateAuthorRequest request, CancellationToken cancellationToken)
    {
        var author = new Author { Name = request.Name!.Trim(), Email = request.Email, Bio = request.Bio, CreatedAt = time.GetUtcNow() };

        // One transaction for the author and its e-mail job: both are stored, or neither (a failure anywhere before
        // the commit sends no e-mail for an author who does not exist).
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Authors.Add(author);
        await db.SaveChangesAsync(cancellationToken);
        var dto = author.ToDto();

        // A worker (in this process, or another one on the same store) calls the method in a new scope, after the commit.
        var job = await queue.EnqueueAsync<AuthorService>(db, s => s.SendAuthorCreatedEmailAsync(dto, default), cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(logger, author.Id, job.Key);
        return dto;
    }

    public async Task<IReadOnlyList<AuthorDto>> ListAsync(CancellationToken cancellationToken) =>
        (await db.Authors.AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancellationToken)).ConvertAll(a => a.ToDto());

    public async Task<AuthorDto?> FindAsync(int id, CancellationToken cancellationToken) =>
        (await db.Authors.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken))?.ToDto();

    /// <summary>Sends the welcome e-mail of a new author; run by the worker, retried with backoff when the mail server fails.</summary>
    /// <remarks>
    /// [Job] makes it the service's one job function: CreateAsync, ListAsync and FindAsync are not jobs, so no enqueue
    /// (the errand command, a Python SAQ client) can call them around the HTTP API's validation.
    /// </remarks>
    [Job(Timeout = 60, Retries = 5, RetryDelay = 2, RetryBackoff = true, RetryBackoffCap = 60)]
    public async Task SendAuthorCreatedEmailAsync(AuthorDto author, CancellationToken cancellationToken)
    {
        var message = new EmailMessage(
            To: author.Email ?? "authors@example.com",
            Subject: $"Welcome, {author.Name}",
            Body: $"Hello {author.Name},\n\nyour author page (#{author.Id}) is ready.\n");
        await email.SendAsync(message, cancellationToken);
        LogEmailSent(logger, author.Id);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Author {AuthorId} created; e-mail job {JobKey} enqueued")]
    private static partial void LogCreated(ILogger logger, int authorId, string jobKey);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Welcome e-mail for author {AuthorId} sent")]
    private static partial void LogEmailSent(ILogger logger, int authorId);
}
