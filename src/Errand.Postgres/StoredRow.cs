namespace Errand.Postgres;

/// <summary>A row of the jobs table as read: its document and the authoritative status column.</summary>
/// <param name="Key">The job key.</param>
/// <param name="Queue">The queue column.</param>
/// <param name="Document">The <c>job</c> column; empty when the document is missing.</param>
/// <param name="Status">The <c>status</c> column, or <see langword="null"/> when it is not a status this version knows.</param>
internal sealed record StoredRow(string Key, string Queue, byte[] Document, JobStatus? Status);
