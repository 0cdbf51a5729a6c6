namespace StreamVision.Ingest.Sources;

/// <summary>How one camera is read.</summary>
/// <param name="CameraId">Name used in topics, files and logs.</param>
/// <param name="Url">Where the pictures come from; see <see cref="SourceUrl"/> for the forms accepted.</param>
/// <param name="Realtime">Emit frames at the stream's own pace (a file then behaves like a camera).
/// False reads as fast as the consumers accept, which is what batch jobs want.</param>
/// <param name="Speed">Playback speed factor when <paramref name="Realtime"/> is set.</param>
/// <param name="Loop">Start a file again at its end (presentation time keeps increasing).</param>
/// <param name="MaxFrames">Stop after this many frames; null reads to the end.</param>
public sealed record SourceOptions(
    string CameraId,
    string Url,
    bool Realtime = true,
    double Speed = 1.0,
    bool Loop = false,
    long? MaxFrames = null);
