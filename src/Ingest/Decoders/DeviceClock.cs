using System.Diagnostics;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// Turns a V4L2 buffer timestamp (what FFmpeg's v4l2 input gives as pts with -copyts) into wall-clock
/// time. Drivers stamp buffers on CLOCK_MONOTONIC (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), a few old ones
/// on the real-time clock; which one is told by which clock the value is close to, as FFmpeg's own
/// -ts detection does. A monotonic stamp is moved onto the wall clock by the two clocks' offset read
/// now (.NET's Stopwatch is CLOCK_MONOTONIC on Linux).
/// </summary>
public static class DeviceClock
{
    /// <summary>How far before "now" a buffer can have been taken and still be recognised.</summary>
    private const double MaxAgeSeconds = 10;

    public static DateTimeOffset? ToWallClock(double bufferSeconds) =>
        ToWallClock(bufferSeconds, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency);

    public static DateTimeOffset? ToWallClock(double bufferSeconds, DateTimeOffset now, double monotonicNowSeconds)
    {
        if (!double.IsFinite(bufferSeconds))
        {
            return null;
        }
        var realNowSeconds = (now - DateTimeOffset.UnixEpoch).TotalSeconds;
        if (IsRecent(bufferSeconds, realNowSeconds))
        {
            return DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(bufferSeconds * TimeSpan.TicksPerSecond));
        }
        if (IsRecent(bufferSeconds, monotonicNowSeconds))
        {
            return now.AddTicks(-(long)Math.Round((monotonicNowSeconds - bufferSeconds) * TimeSpan.TicksPerSecond));
        }
        return null;
    }

    private static bool IsRecent(double stamp, double now) => stamp <= now + 1 && stamp >= now - MaxAgeSeconds;
}
