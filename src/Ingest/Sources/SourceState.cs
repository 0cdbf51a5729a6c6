namespace StreamVision.Ingest.Sources;

/// <summary>Where a camera is in its life. Live sources cycle Connecting → Streaming →
/// Reconnecting → Streaming …; Failed only when a reconnect limit is configured and reached;
/// Ended when a file or a frame limit is done.</summary>
public enum SourceState
{
    Connecting,
    Streaming,
    Reconnecting,
    Failed,
    Ended,
}

/// <summary>A state change, as published on the camera's status topic.</summary>
/// <param name="Url">The source URL with any password masked.</param>
/// <param name="Message">Why (for Reconnecting/Failed: the error, URL masked).</param>
/// <param name="Attempt">Reconnect attempt number (0 when streaming).</param>
/// <param name="RetryIn">Delay before the next attempt (Reconnecting only).</param>
public sealed record SourceStatus(
    string CameraId,
    SourceState State,
    string Url,
    string? Message,
    int Attempt,
    TimeSpan? RetryIn,
    DateTimeOffset Since);
