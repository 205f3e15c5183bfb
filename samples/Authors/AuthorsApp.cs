using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Authors;

/// <summary>Builds the Authors app: as a web app with its in-process worker, or as a worker-only process (no HTTP).</summary>
public static class AuthorsApp
{
    /// <summary>Adds the services both processes share: the database, the e-mail sender, Errand and the job service.</summary>
    public static void AddAuthors(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<EmailOptions>(builder.Configuration.GetSection("Email"));
        var database = builder.Configuration.GetConnectionString("Authors")
            ?? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "authors.db")}";
        // An Npgsql connection string (Host=...) puts the authors in PostgreSQL; anything else is a SQLite file.
        var postgres = database.Contains("Host=", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddDbContext<AuthorsDb>((services, o) => (postgres ? o.UseNpgsql(database) : o.UseSqlite(database)).UseErrand(services));
        builder.Services.AddSingleton<IEmailSender>(sp =>
            sp.GetRequiredService<IOptions<EmailOptions>>().Value.SmtpHost is { Length: > 0 }
                ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
                : ActivatorUtilities.CreateInstance<OutboxEmailSender>(sp));
        // Errand:Url picks the store; none: in memory. Jobs enqueued with AuthorsDb go in its transaction: as rows of
        // saq_jobs when the queue lives in the same PostgreSQL database, else through its outbox table.
        builder.Services.AddErrand().UseRedis().UsePostgres().AddJobService<AuthorService>().AddEntityFrameworkOutbox<AuthorsDb>();
        builder.Services.AddHealthChecks().AddErrand();
    }

    /// <summary>Builds the web app (API and, unless Errand:RunWorker is false, the worker) and creates the database.</summary>
    public static async Task<WebApplication> BuildWebAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddAuthors();
        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapAuthors();
        app.MapHealthChecks("/health");
        MapDashboard(app);
        await CreateDatabaseAsync(app.Services);
        return app;
    }

    /// <summary>Maps the Errand dashboard at /monitor: open on a developer's machine, behind basic auth elsewhere.</summary>
    private static void MapDashboard(WebApplication app)
    {
        var user = app.Configuration["Dashboard:User"];
        var password = app.Configuration["Dashboard:Password"];
        if (!string.IsNullOrEmpty(password))
        {
            app.MapErrandDashboard("/monitor", o => { o.BasicAuthUserName = user ?? "admin"; o.BasicAuthPassword = password; });
        }
        else if (app.Environment.IsDevelopment())
        {
            app.MapErrandDashboard("/monitor", o => o.AllowAnonymous = true);
        }
    }

    /// <summary>Builds a worker-only process: the same registrations, no HTTP.</summary>
    public static async Task<IHost> BuildWorkerAsync(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddAuthors();
        builder.Services.PostConfigure<Errand.AspNetCore.ErrandOptions>(o => o.RunWorker = true);
        configure?.Invoke(builder);
        var host = builder.Build();
        await CreateDatabaseAsync(host.Services);
        return host;
    }

    public static void MapAuthors(this IEndpointRouteBuilder app)
    {
        var authors = app.MapGroup("/authors");
        authors.MapPost("/", async Task<IResult> (CreateAuthorRequest? request, AuthorService service, CancellationToken ct) =>
        {
            var errors = Validate(request);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            var author = await service.CreateAsync(request!, ct);
            return TypedResults.Created($"/authors/{author.Id}", author);
        });
        authors.MapGet("/", async (AuthorService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)));
        authors.MapGet("/{id:int}", async Task<IResult> (int id, AuthorService service, CancellationToken ct) =>
            await service.FindAsync(id, ct) is { } author
                ? TypedResults.Ok(author)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Author not found", detail: $"No author has id {id}."));
    }

    private static Dictionary<string, string[]> Validate(CreateAuthorRequest? request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request?.Name))
        {
            errors["name"] = ["The name is required."];
        }
        else if (request.Name.Trim().Length > 200)
        {
            errors["name"] = ["The name has at most 200 characters."];
        }

        if (request?.Email is { } email && !System.Net.Mail.MailAddress.TryCreate(email, out _))
        {
            errors["email"] = ["The e-mail address is not valid."];
        }

        return errors;
    }

    private static async Task CreateDatabaseAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AuthorsDb>().Database.EnsureCreatedAsync();
    }
}
