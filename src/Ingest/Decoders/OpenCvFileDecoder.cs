using OpenCvSharp;
using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// Decodes video files with the FFmpeg that ships inside OpenCvSharp's runtime. That build cannot
/// open network URLs, which is why network streams get their own decoder; files are its strength.
/// Capture times are the recording's start (its creation_time tag, read by ffprobe next to
/// <paramref name="ffmpegForClock"/> while OpenCV opens the file) plus each frame's pts; null
/// <paramref name="ffmpegForClock"/> leaves files on the arrival time.
/// </summary>
public sealed class OpenCvFileDecoder(string path, int? threads = null, string? ffmpegForClock = null) : IFrameDecoder
{
    private Task<DateTimeOffset?>? _recordingStart;
    private VideoCapture? _capture;
    private VideoFormat _format;
    private long _decoded;
    private long _lastPtsTicks = -1;

    public string? EndReason { get; private set; }

    public CaptureStamp? LastCapture => _recordingStart?.GetAwaiter().GetResult() is { } start && _lastPtsTicks >= 0
        ? new CaptureStamp(start.AddTicks(_lastPtsTicks), CaptureClock.Sender)
        : null;

    public VideoFormat Open()
    {
        if (!File.Exists(path))
        {
            throw new SourceException($"video file '{path}' does not exist. Check the path (relative paths start at the working directory).");
        }
        _recordingStart = ffmpegForClock is null ? null : Task.Run(() => RecordingStart.Read(path, ffmpegForClock));
        // 70 is cv::CAP_PROP_N_THREADS (FFmpeg decoder threads), which OpenCvSharp's enum lacks.
        var capture = threads is > 0 ? new VideoCapture(path, VideoCaptureAPIs.FFMPEG, [70, threads.Value]) : new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new SourceException($"video file '{path}' cannot be opened: it is damaged, truncated or not a video. Re-copy the file or convert it with ffmpeg.");
        }
        var width = capture.FrameWidth;
        var height = capture.FrameHeight;
        var fps = capture.Fps;
        var count = (long)capture.Get(VideoCaptureProperties.FrameCount);
        if (width <= 0 || height <= 0)
        {
            capture.Dispose();
            throw new SourceException($"video file '{path}' has no decodable video stream (size {width}x{height}).");
        }
        _capture = capture;
        _format = new VideoFormat(width, height, fps > 0 && double.IsFinite(fps) ? fps : 25, count > 0 ? count : null);
        return _format;
    }

    public TimeSpan? ReadInto(Frame frame)
    {
        var capture = _capture ?? throw new InvalidOperationException("Open the decoder first.");
        // Grab first: a failed VideoCapture.read() releases the Mat it was given, which would detach
        // the pooled frame's OpenCV view from its buffer.
        if (!capture.Grab())
        {
            NoteEnd();
            return null;
        }
        var dataBefore = frame.Mat.Data;
        if (!capture.Retrieve(frame.Mat) || frame.Mat.Empty() || frame.Mat.Data != dataBefore)
        {
            frame.RestoreView();
            EndReason = $"video file '{path}' could not be decoded at frame {_decoded} (the picture size or format changed); stopped there.";
            return null;
        }
        _decoded++;
        var msec = capture.Get(VideoCaptureProperties.PosMsec);
        var ticks = (long)(msec * TimeSpan.TicksPerMillisecond);
        if (!double.IsFinite(msec) || ticks <= _lastPtsTicks)
        {
            // Containers without usable timestamps: derive from the frame index and rate.
            ticks = Math.Max(_lastPtsTicks + 1, (long)((_decoded - 1) * TimeSpan.TicksPerSecond / _format.FramesPerSecond));
        }
        _lastPtsTicks = ticks;
        return TimeSpan.FromTicks(ticks);
    }

    private void NoteEnd()
    {
        if (_format.FrameCount is { } expected && _decoded < expected - 1)
        {
            EndReason = $"video file '{path}' is damaged: decoding stopped after {_decoded} of {expected} frames.";
        }
    }

    public void Dispose() => _capture?.Dispose();
}
