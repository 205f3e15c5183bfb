namespace Authors;

/// <summary>An author as stored.</summary>
public sealed class Author
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public string? Email { get; set; }

    public string? Bio { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public AuthorDto ToDto() => new(Id, Name, Email, Bio, CreatedAt);
}

/// <summary>An author as read by clients, and as handed to the background e-mail job.</summary>
public sealed record AuthorDto(int Id, string Name, string? Email, string? Bio, DateTimeOffset CreatedAt);

/// <summary>The body of <c>POST /authors</c>.</summary>
public sealed record CreateAuthorRequest(string? Name, string? Email = null, string? Bio = null);
