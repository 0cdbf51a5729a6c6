namespace StreamVision.Ingest.Frames;

/// <summary>Pixel layout of a frame buffer. Every decoder in this project delivers packed BGR24,
/// which is what OpenCV and FFmpeg's rawvideo produce without an extra conversion.</summary>
public enum PixelFormat
{
    Bgr24,
}

public static class PixelFormatExtensions
{
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Bgr24 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };
}
