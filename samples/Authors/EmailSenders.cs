using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Authors;

public sealed record EmailMessage(string To, string Subject, string Body);

/// <summary>Sends e-mail.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>E-mail settings (section <c>Email</c>).</summary>
public sealed class EmailOptions
{
    /// <summary>The sender address.</summary>
    public string From { get; set; } = "Authors <noreply@example.com>";

    /// <summary>The folder .eml files are written to, relative to the content root; used when no SMTP host is set.</summary>
    public string Outbox { get; set; } = "outbox";

    /// <summary>The SMTP server; when set, e-mail is sent through it instead of written to the outbox.</summary>
    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    public string? SmtpUser { get; set; }

    public string? SmtpPassword { get; set; }

    public static MimeMessage ToMime(EmailOptions options, EmailMessage message)
    {
        var mime = new MimeMessage { Subject = message.Subject, Body = new TextPart("plain") { Text = message.Body } };
        mime.From.Add(MailboxAddress.Parse(options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        return mime;
    }
}

/// <summary>Writes each e-mail as an .eml file in the outbox folder: nothing to install to see what would be sent.</summary>
public sealed class OutboxEmailSender(IOptions<EmailOptions> options, IHostEnvironment environment) : IEmailSender
{
    public string Folder { get; } = Path.Combine(environment.ContentRootPath, options.Value.Outbox);

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        var mime = EmailOptions.ToMime(options.Value, message);
        var name = $"{mime.Date:yyyyMMddHHmmss}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(Folder, name + ".tmp");
        await mime.WriteToAsync(temporary, cancellationToken);
        // Appear whole: readers (and file watchers) only ever see a complete .eml.
        File.Move(temporary, Path.Combine(Folder, name + ".eml"));
    }
}

/// <summary>Sends e-mail through an SMTP server with MailKit.</summary>
public sealed class SmtpEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var client = new SmtpClient();
        await client.ConnectAsync(settings.SmtpHost!, settings.SmtpPort, MailKit.Security.SecureSocketOptions.Auto, cancellationToken);
        if (settings.SmtpUser is { Length: > 0 } user)
        {
            await client.AuthenticateAsync(user, settings.SmtpPassword ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(EmailOptions.ToMime(settings, message), cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
