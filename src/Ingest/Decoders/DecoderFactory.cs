using StreamVision.Ingest.Sources;

namespace StreamVision.Ingest.Decoders;

/// <summary>Picks the decoder for a source URL: OpenCV for files, FFmpeg for streams and devices.</summary>
public static class DecoderFactory
{
    /// <param name="outputSize">For live sources after the first connection: scale to this size so the
    /// camera's frame pool stays valid even if the camera comes back with another resolution.</param>
    public static IFrameDecoder Create(SourceUrl url, SourceOptions options, (int Width, int Height)? outputSize) => url.Kind switch
    {
        SourceKind.File => new OpenCvFileDecoder(url.Target, options.DecodeThreads, options.SourceClock ? options.Ffmpeg.Executable : null),
        SourceKind.Synthetic => new SyntheticDecoder(url.SyntheticWidth, url.SyntheticHeight, url.SyntheticFps, url.SyntheticFrames),
        SourceKind.Rtsp or SourceKind.Device => new FfmpegProcessDecoder(url, options.Ffmpeg, outputSize, options.SourceClock),
        _ => throw new ArgumentOutOfRangeException(nameof(url), url.Kind, "unknown source kind"),
    };
}
