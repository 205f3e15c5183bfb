namespace Errand.Dashboard.Models;

/// <summary>An error answer: what went wrong, for a person.</summary>
internal sealed record ErrorMessage(string Error);
