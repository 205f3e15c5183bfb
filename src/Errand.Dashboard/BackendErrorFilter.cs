using Errand.Dashboard.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Errand.Dashboard;

/// <summary>Answers the API's documented <c>{"error": ...}</c> for Errand's exceptions, instead of ASP.NET's generic 500.</summary>
/// <remarks>
/// An unreachable backend is 503 <c>backend unavailable: ...</c>, one line, without the client library's diagnostics;
/// any other <see cref="ErrandException"/> (a retry or abort the queue refuses) is 409 with its message. Not logged:
/// the page asks every few seconds, and the workers log the outage once.
/// </remarks>
internal sealed class BackendErrorFilter : IEndpointFilter
{
    private const int MaxCauseLength = 200;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (BackendUnavailableException ex) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var message = $"backend unavailable: {ex.Endpoint} ({Cause(ex)})";
            return Error(StatusCodes.Status503ServiceUnavailable, message);
        }
        catch (ErrandException ex) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Error(StatusCodes.Status409Conflict, ex.Message);
        }
    }

    // The client's message, up to its first diagnostic detail: StackExchange.Redis appends a kilobyte of counters after " - ".
    private static string Cause(BackendUnavailableException exception)
    {
        var text = (exception.InnerException ?? exception).Message.ReplaceLineEndings(" ");
        var cut = text.IndexOf(" - ", StringComparison.Ordinal);
        text = cut > 0 ? text[..cut] : text;
        return text.Length > MaxCauseLength ? string.Concat(text.AsSpan(0, MaxCauseLength), "...") : text;
    }

    private static JsonHttpResult<ErrorMessage> Error(int status, string message) =>
        TypedResults.Json(new ErrorMessage(message), DashboardJsonContext.Default.ErrorMessage, statusCode: status);
}
