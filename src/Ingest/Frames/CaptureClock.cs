namespace StreamVision.Ingest.Frames;

/// <summary>Whose clock a frame's capture time was read from; published as <c>capture_time_source</c>.</summary>
public enum CaptureClock
{
    /// <summary>The producer's clock: an RTSP camera's RTCP sender reports (NTP), or a recording's
    /// creation time plus the frame's presentation time.</summary>
    Sender,

    /// <summary>A local capture device's buffer timestamp (V4L2), converted to wall-clock time.</summary>
    Device,

    /// <summary>Our own wall clock when the decoder handed the frame over: the input offers nothing better
    /// (no sender report yet, UDP or RTSPS transport, a file without a creation time) or
    /// <c>capture_clock: arrival</c> is configured.</summary>
    Arrival,
}

/// <summary>A capture time and the clock it was read from.</summary>
public readonly record struct CaptureStamp(DateTimeOffset Time, CaptureClock Clock)
{
    public static CaptureStamp Now() => new(DateTimeOffset.UtcNow, CaptureClock.Arrival);
}

public static class CaptureClockNames
{
    /// <summary>The name used in payloads, schemas and docs.</summary>
    public static string WireName(this CaptureClock clock) => clock switch
    {
        CaptureClock.Sender => "sender",
        CaptureClock.Device => "device",
        _ => "arrival",
    };
}
