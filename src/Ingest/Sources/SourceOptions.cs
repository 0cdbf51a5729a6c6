namespace StreamVision.Ingest.Sources;

/// <summary>How one camera is read.</summary>
/// <param name="CameraId">Name used in topics, files and logs.</param>
/// <param name="Url">Where the pictures come from; see <see cref="SourceUrl"/> for the forms accepted.</param>
/// <param name="Realtime">Emit file frames at the stream's own pace (a file then behaves like a camera).
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
    long? MaxFrames = null)
{
    /// <summary>Frames that may be in flight at once (queues, busy stages, the one being decoded).</summary>
    public int PoolCapacity { get; init; } = 8;

    /// <summary>Emit at most this many frames per second (by presentation time); null emits all.
    /// Skipped frames are released before any stage sees them and do not use a sequence number.</summary>
    public double? MaxFps { get; init; }

    /// <summary>Decode and discard this many frames first (batch resume); sequence numbers start here.</summary>
    public long SkipFrames { get; init; }

    /// <summary>Decoder threads for files (FFmpeg inside OpenCV); null lets FFmpeg choose.</summary>
    public int? DecodeThreads { get; init; }

    /// <summary>Settings for FFmpeg-decoded sources (RTSP, devices).</summary>
    public FfmpegSettings Ffmpeg { get; init; } = new();

    /// <summary>Read capture times from the input (RTCP sender reports, device buffer timestamps, a
    /// recording's creation time); false stamps every frame with its arrival time.</summary>
    public bool SourceClock { get; init; } = true;

    /// <summary>How a live source that drops out is brought back.</summary>
    public ReconnectPolicy Reconnect { get; init; } = new();
}

/// <summary>How network streams and devices are decoded by the FFmpeg program.</summary>
public sealed record FfmpegSettings
{
    /// <summary>The ffmpeg executable (Debian's by default).</summary>
    public string Executable { get; init; } = "ffmpeg";

    /// <summary>RTSP transport: "tcp" (default: survives lossy links, crosses NAT) or "udp".</summary>
    public string Transport { get; init; } = "tcp";

    /// <summary>FFmpeg -hwaccel value (e.g. "auto", "vaapi", "cuda"); null decodes on the CPU.</summary>
    public string? HardwareAcceleration { get; init; }

    /// <summary>Time to get the stream's first picture format after starting; then it counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No frame for this many frame intervals counts as a disconnect (a stall).</summary>
    public double StallFrames { get; init; } = 20;

    /// <summary>Lower bound of the stall timeout, for high frame rates.</summary>
    public TimeSpan MinimumStallTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
