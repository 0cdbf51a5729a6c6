using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// Turns some input (a file, a generated pattern, later an FFmpeg pipe for RTSP) into BGR24 pictures.
/// The decoder fills a frame the source rented; it never allocates frames itself, so every decoder
/// shares the pooling and timestamping in <see cref="Sources.FrameSource"/>.
/// </summary>
public interface IFrameDecoder : IDisposable
{
    /// <summary>Opens the input and reports its format. Throws <see cref="SourceException"/> with a
    /// message naming the input when it cannot be opened.</summary>
    VideoFormat Open();

    /// <summary>Decodes the next picture into <paramref name="frame"/>'s pixels.</summary>
    /// <returns>The picture's presentation time from the stream, or null at the end of the input.</returns>
    TimeSpan? ReadInto(Frame frame);

    /// <summary>The capture time of the picture <see cref="ReadInto"/> just returned, when the input
    /// carries one (RTCP sender reports, device buffer timestamps, a recording's creation time); null
    /// when it does not, and the source stamps the arrival time instead.</summary>
    CaptureStamp? LastCapture => null;

    /// <summary>After the end: why the input ended early (a damaged file, a dropped connection, a
    /// stall), with any password masked. Null when it ended cleanly.</summary>
    string? EndReason { get; }

    /// <summary>Unblocks a <see cref="ReadInto"/> that is waiting on the input (called from another
    /// thread at shutdown); the read then returns null.</summary>
    void Abort()
    {
    }
}
