using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Rtsp;
using StreamVision.Ingest.Sources;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// Decodes RTSP streams and V4L2 devices with the ffmpeg program, as Frigate does: ffmpeg writes
/// raw BGR24 pictures to a pipe and this class reads them straight into pooled frames. The FFmpeg
/// inside OpenCvSharp's runtime cannot open rtsp:// URLs; Debian's ffmpeg can, and a separate
/// process also means a wedged network stack can always be killed.
/// Presentation times come from the stream: ffmpeg's showinfo filter prints each frame's pts on
/// stderr in the same order as the pictures on stdout. A watchdog kills the process when no frame
/// arrives for the stall timeout, which turns a silent camera into a disconnect.
/// Capture times: ffmpeg runs with -copyts so a frame's pts is the stream's own timestamp — for RTSP
/// the RTP timestamp, which <see cref="RtspClockProxy"/> maps to the camera's clock from its RTCP
/// sender reports; for V4L2 the driver's buffer timestamp (<see cref="DeviceClock"/>). Pts handed to
/// the source still start at zero.
/// </summary>
public sealed partial class FfmpegProcessDecoder : IFrameDecoder
{
    private readonly SourceUrl _url;
    private readonly FfmpegSettings _settings;
    private readonly (int Width, int Height)? _outputSize;
    private readonly ConcurrentQueue<(long Index, double Seconds)> _pts = new();
    private long _framesRead;
    private readonly SemaphoreSlim _ptsArrived = new(0);
    private readonly ManualResetEventSlim _formatKnown = new();
    private readonly Queue<string> _lastLines = new();
    private readonly object _linesLock = new();
    private Process? _process;
    private Stream? _stdout;
    private Timer? _watchdog;
    private VideoFormat _format;
    private long _lastFrameTicks;
    private TimeSpan _stallTimeout;
    private volatile bool _stalled;
    private volatile bool _aborted;
    private int _outputWidth;
    private int _outputHeight;
    private double _inputFps;
    private double _outputFps;
    private TimeSpan _lastPts = TimeSpan.MinValue;
    private double _firstStreamSeconds = double.NaN;
    private (long Num, long Den)? _timeBase;

    /// <param name="sourceClock">Read capture times from the stream (RTCP sender reports, device buffer
    /// timestamps); false keeps the arrival time (<c>capture_clock: arrival</c>).</param>
    public FfmpegProcessDecoder(SourceUrl url, FfmpegSettings settings, (int Width, int Height)? outputSize = null, bool sourceClock = true)
    {
        if (!url.IsLive)
        {
            throw new ArgumentException($"{url.Display} is not a network stream or device.", nameof(url));
        }
        _url = url;
        _settings = settings;
        _outputSize = outputSize;
        _sourceClock = sourceClock;
    }

    public string? EndReason { get; private set; }

    public CaptureStamp? LastCapture { get; private set; }

    /// <summary>The ffmpeg arguments (password masked), for logs and tests.</summary>
    public string DisplayArguments => SourceUrl.MaskCredentials(string.Join(' ', Arguments()));

    public VideoFormat Open()
    {
        if (_url.Kind == SourceKind.Device && !File.Exists(_url.Target))
        {
            throw new SourceException($"device '{_url.Target}' does not exist. Check the camera is plugged in and the path (list devices with 'v4l2-ctl --list-devices'); inside docker pass it with --device {_url.Target}.");
        }
        StartClockProxy();
        var start = new ProcessStartInfo(_settings.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            _process = Process.Start(start) ?? throw new SourceException($"{_url.Display}: ffmpeg did not start.");
        }
        catch (Win32Exception e)
        {
            throw new SourceException($"{_url.Display}: cannot run '{_settings.Executable}' ({e.Message}). Install FFmpeg (Debian: apt-get install ffmpeg) or set the ffmpeg path.", e);
        }
        _stdout = _process.StandardOutput.BaseStream;
        var stderrThread = new Thread(ReadStandardError) { IsBackground = true, Name = "ffmpeg-stderr" };
        stderrThread.Start();

        var deadline = Stopwatch.StartNew();
        while (!_formatKnown.Wait(50))
        {
            if (_aborted)
            {
                Kill();
                throw new SourceException($"{_url.Display}: opening was cancelled.");
            }
            if (_process.HasExited)
            {
                stderrThread.Join(500);
                throw new SourceException($"{_url.Display}: ffmpeg could not open the stream: {LastError()}");
            }
            if (deadline.Elapsed > _settings.ConnectTimeout)
            {
                Kill();
                throw new SourceException($"{_url.Display}: no picture within {_settings.ConnectTimeout.TotalSeconds:0.#} s (connect timeout). {LastError()}".TrimEnd());
            }
        }
        var fps = _outputFps > 0 ? _outputFps : _inputFps > 0 ? _inputFps : 25;
        _format = new VideoFormat(_outputWidth, _outputHeight, fps, null);
        _stallTimeout = TimeSpan.FromSeconds(Math.Max(_settings.MinimumStallTimeout.TotalSeconds, _settings.StallFrames / fps));
        Interlocked.Exchange(ref _lastFrameTicks, Stopwatch.GetTimestamp());
        _watchdog = new Timer(_ => CheckStall(), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
        return _format;
    }

    private IEnumerable<string> Arguments()
    {
        yield return "-hide_banner";
        yield return "-nostdin";
        yield return "-nostats";
        yield return "-loglevel";
        yield return "info";
        if (_settings.HardwareAcceleration is { Length: > 0 } hw)
        {
            yield return "-hwaccel";
            yield return hw;
        }
        if (_url.Kind == SourceKind.Rtsp)
        {
            yield return "-rtsp_transport";
            yield return _settings.Transport;
            // The SDP already names the codec; half a second of probing (not FFmpeg's 5 s default)
            // gets the first picture out about 2 s sooner after every (re)connect.
            yield return "-analyzeduration";
            yield return "500000";
            yield return "-probesize";
            yield return "1000000";
            // Socket I/O timeout in microseconds: a dead server fails the attempt instead of hanging.
            yield return "-timeout";
            yield return ((long)_settings.ConnectTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
            // Set up the video track only: no audio bandwidth, and the clock proxy knows which channel is video.
            yield return "-allowed_media_types";
            yield return "video";
        }
        else
        {
            yield return "-f";
            yield return "v4l2";
        }
        // Keep the stream's own timestamps (RTP time, device buffer time) so capture times can be read from them.
        yield return "-copyts";
        yield return "-i";
        yield return _proxy?.Rewrite(_url.Target) ?? _url.Target;
        yield return "-map";
        yield return "0:v:0";
        yield return "-an";
        yield return "-sn";
        yield return "-dn";
        yield return "-vf";
        yield return _outputSize is { } size ? $"showinfo=checksum=0,scale={size.Width}:{size.Height}" : "showinfo=checksum=0";
        yield return "-fps_mode";
        yield return "passthrough";
        yield return "-pix_fmt";
        yield return "bgr24";
        yield return "-f";
        yield return "rawvideo";
        yield return "pipe:1";
    }

    public TimeSpan? ReadInto(Frame frame)
    {
        var stdout = _stdout ?? throw new InvalidOperationException("Open the decoder first.");
        if (frame.Width != _format.Width || frame.Height != _format.Height)
        {
            throw new InvalidOperationException($"frame is {frame.Width}x{frame.Height} but the stream delivers {_format.Width}x{_format.Height}.");
        }
        var target = frame.WritablePixels;
        var filled = 0;
        while (filled < target.Length)
        {
            int read;
            try
            {
                read = stdout.Read(target[filled..]);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
            {
                EndReason = _aborted ? null
                    : _stalled ? $"{_url.Display}: no frame for {_stallTimeout.TotalSeconds:0.#} s (stall)"
                    : $"{_url.Display}: stream ended ({LastError()})";
                return null;
            }
            filled += read;
        }
        Interlocked.Exchange(ref _lastFrameTicks, Stopwatch.GetTimestamp());
        // showinfo prints a frame's line before the frame is encoded, but stderr is read on another
        // thread; give it a moment, then fall back to the nominal frame interval.
        // Lines carry the frame index, so a late or missing line never shifts later frames' times.
        var index = _framesRead++;
        double? fromStream = null;
        var waited = false;
        while (fromStream is null)
        {
            if (_pts.TryPeek(out var next))
            {
                if (next.Index < index)
                {
                    _pts.TryDequeue(out _);
                    continue;
                }
                if (next.Index == index)
                {
                    _pts.TryDequeue(out _);
                    fromStream = next.Seconds;
                }
                break;
            }
            if (waited || !_ptsArrived.Wait(200))
            {
                break;
            }
            waited = true;
        }
        TimeSpan pts;
        if (fromStream is { } streamSeconds)
        {
            if (double.IsNaN(_firstStreamSeconds))
            {
                _firstStreamSeconds = streamSeconds;
            }
            pts = TimeSpan.FromSeconds(streamSeconds - _firstStreamSeconds);
            LastCapture = CaptureOf(streamSeconds);
        }
        else
        {
            pts = _lastPts == TimeSpan.MinValue ? TimeSpan.Zero : _lastPts + TimeSpan.FromSeconds(1 / _format.FramesPerSecond);
            LastCapture = null;
        }
        _lastPts = pts;
        return pts;
    }

    public void Abort()
    {
        _aborted = true;
        try
        {
            _opening.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Kill();
    }

    private void Kill()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        Kill();
        if (_process is not null)
        {
            _process.WaitForExit(2000);
            _process.Dispose();
        }
        _proxy?.Dispose();
        _opening.Dispose();
        _formatKnown.Dispose();
        _ptsArrived.Dispose();
    }
}
