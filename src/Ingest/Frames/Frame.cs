using System.Runtime.InteropServices;
using OpenCvSharp;

namespace StreamVision.Ingest.Frames;

/// <summary>
/// One decoded picture plus the times that say where it came from. Frames are pooled: the pixel
/// memory is allocated once per pool slot (pinned, so OpenCV can decode straight into it) and the
/// object itself is reused, so a steady stream allocates nothing per frame.
/// Ownership is a reference count: whoever hands the frame to N consumers calls <see cref="AddRef"/>
/// once per consumer and each consumer calls <see cref="Release"/> when done; the last release
/// returns the slot to its <see cref="FramePool"/>.
/// </summary>
public sealed class Frame
{
    private readonly FramePool _pool;
    private readonly byte[] _pixels;
    private int _refCount;

    internal Frame(FramePool pool, int width, int height, PixelFormat format)
    {
        _pool = pool;
        Width = width;
        Height = height;
        Format = format;
        Stride = width * format.BytesPerPixel();
        _pixels = GC.AllocateUninitializedArray<byte>(Stride * height, pinned: true);
        Mat = View();
    }

    private Mat View() => Mat.FromPixelData(Height, Width, MatType.CV_8UC3, Marshal.UnsafeAddrOfPinnedArrayElement(_pixels, 0), Stride);

    /// <summary>Points the OpenCV view at the pooled buffer again after an OpenCV call replaced its data.</summary>
    internal void RestoreView()
    {
        if (Mat.Data != Marshal.UnsafeAddrOfPinnedArrayElement(_pixels, 0))
        {
            Mat.Dispose();
            Mat = View();
        }
    }

    public string CameraId { get; private set; } = "";

    /// <summary>Per-camera sequence number; never repeats for a camera.</summary>
    public long Sequence { get; private set; }

    /// <summary>Presentation time from the stream's own clock (not the wall clock).</summary>
    public TimeSpan Pts { get; private set; }

    /// <summary>When the picture was taken, on the best clock the input offers (see <see cref="CaptureClock"/>).</summary>
    public DateTimeOffset CaptureTime { get; private set; }

    /// <summary>Which clock <see cref="CaptureTime"/> was read from.</summary>
    public CaptureClock CaptureClock { get; private set; } = CaptureClock.Arrival;

    /// <summary>What frame ages are counted from: the capture time for cameras, the arrival time for
    /// files (a recording's capture time says when it was recorded, not how late the service is).</summary>
    public DateTimeOffset AgeOrigin { get; private set; }

    public int Width { get; }
    public int Height { get; }
    public int Stride { get; }
    public PixelFormat Format { get; }

    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>Writable pixels for decoders that fill the buffer themselves (FFmpeg pipe).</summary>
    internal Span<byte> WritablePixels => _pixels;

    /// <summary>An OpenCV header over the pooled pixels (no copy). Decoders read into it.</summary>
    public Mat Mat { get; private set; }

    public int RefCount => Volatile.Read(ref _refCount);

    /// <summary>True for the first frame after the source (re)connected, looped or skipped: the
    /// previous frame is not this one's predecessor, so stateful stages (flow, recurrent models) start over.</summary>
    public bool Discontinuity { get; private set; }

    /// <summary>Counts the camera's continuous runs: a frame after a reconnect, loop or skip has a higher
    /// session than the one before it (see <see cref="ContinuityWatch"/>).</summary>
    public long Session { get; private set; }

    internal void Stamp(string cameraId, long sequence, TimeSpan pts, CaptureStamp capture, DateTimeOffset ageOrigin, bool discontinuity, long session)
    {
        Discontinuity = discontinuity;
        Session = session;
        CameraId = cameraId;
        Sequence = sequence;
        Pts = pts;
        CaptureTime = capture.Time;
        CaptureClock = capture.Clock;
        AgeOrigin = ageOrigin;
    }

    internal void Activate() => Volatile.Write(ref _refCount, 1);

    public void AddRef()
    {
        if (Interlocked.Increment(ref _refCount) <= 1)
        {
            throw new InvalidOperationException("AddRef on a frame that is already back in its pool.");
        }
    }

    public void Release()
    {
        var left = Interlocked.Decrement(ref _refCount);
        if (left == 0)
        {
            _pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"Frame {CameraId}#{Sequence} released more often than referenced.");
        }
    }

    internal void DisposeNative() => Mat.Dispose();
}
