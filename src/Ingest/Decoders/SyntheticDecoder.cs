using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Decoders;

/// <summary>A camera that needs no hardware and no download: draws <see cref="SyntheticPattern"/>.
/// Presentation time is exactly index / fps, as an encoder would stamp it.</summary>
public sealed class SyntheticDecoder(int width, int height, double fps, long? frameLimit = null) : IFrameDecoder
{
    private long _index;

    public string? EndReason => null;

    public VideoFormat Open()
    {
        if (width < 16 || height < 16 || width > 8192 || height > 8192)
        {
            throw new SourceException($"synthetic source size {width}x{height} is out of range; use 16..8192 per side.");
        }
        if (!(fps > 0 && fps <= 1000))
        {
            throw new SourceException($"synthetic source fps {fps} is out of range; use a value in (0, 1000].");
        }
        return new VideoFormat(width, height, fps, frameLimit);
    }

    public TimeSpan? ReadInto(Frame frame)
    {
        if (frameLimit is { } limit && _index >= limit)
        {
            return null;
        }
        SyntheticPattern.Draw(frame.Mat, _index);
        var pts = TimeSpan.FromTicks((long)(_index * TimeSpan.TicksPerSecond / fps));
        _index++;
        return pts;
    }

    public void Dispose()
    {
    }
}
