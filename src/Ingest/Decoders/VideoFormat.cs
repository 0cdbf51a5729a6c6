namespace StreamVision.Ingest.Decoders;

/// <param name="FrameCount">Frames the container announces, when it says (files); null for live inputs.</param>
public readonly record struct VideoFormat(int Width, int Height, double FramesPerSecond, long? FrameCount);
