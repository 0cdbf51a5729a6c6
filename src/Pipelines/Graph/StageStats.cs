namespace StreamVision.Pipelines.Graph;

/// <summary>Counters for one stage on one camera, updated lock-free by the stage runner.</summary>
public sealed class StageStats(string cameraId, string stage)
{
    private long _received;
    private long _processed;
    private long _dropped;
    private long _errors;
    private long _busyTicks;

    public string CameraId { get; } = cameraId;
    public string Stage { get; } = stage;
    public long Received => Interlocked.Read(ref _received);
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Frames dropped in front of this stage because it was busy (live mode only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Errors => Interlocked.Read(ref _errors);
    public string? LastError { get; private set; }

    /// <summary>Total time spent processing, for the mean service time.</summary>
    public TimeSpan Busy => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    /// <summary>Age of frames (capture to result) over a recent window.</summary>
    public LatencyWindow FrameAge { get; } = new(256);

    internal void CountReceived() => Interlocked.Increment(ref _received);
    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    internal void CountProcessed(TimeSpan busy, long allocatedBytes = 0)
    {
        Interlocked.Increment(ref _processed);
        Interlocked.Add(ref _busyTicks, busy.Ticks);
        Interlocked.Add(ref _allocated, allocatedBytes);
    }

    private long _allocated;

    /// <summary>Managed bytes the stage allocated while processing (its runner thread's own count):
    /// divided by <see cref="Processed"/>, the per-frame allocation to drive to zero.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    internal void CountError(string message)
    {
        Interlocked.Increment(ref _errors);
        LastError = message;
    }
}
