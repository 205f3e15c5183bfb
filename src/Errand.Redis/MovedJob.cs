namespace Errand.Redis;

/// <summary>The id an idle worker's BLMOVE moved to the active list, with its document when the read sent after it found the id.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Read">Whether <paramref name="Document"/> was read; when not, a take reads it.</param>
/// <param name="Document">The stored document, or <see langword="null"/> when it is missing or was not read.</param>
internal readonly record struct MovedJob(string Id, bool Read, byte[]? Document);
