using System.Diagnostics;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Sources;

/// <summary>
/// Reads one camera on its own thread: rents a pooled frame, lets the decoder fill it, stamps camera
/// id, sequence, presentation and capture time, and hands it to the consumer, which then owns that
/// reference. Live sources (RTSP, devices) that fail to connect, end, or stall are reconnected with
/// the <see cref="ReconnectPolicy"/>, forever by default, without the consumer noticing anything but
/// a gap; every state change is announced through <see cref="StatusChanged"/>.
/// Sequence numbers and presentation times only ever increase for a camera, across reconnects and loops.
/// </summary>
public sealed partial class FrameSource : IDisposable
{
    private readonly SourceOptions _options;
    private readonly Random _random = new();
    private readonly object _decoderLock = new();
    private IFrameDecoder? _decoder;
    private long _sequence;
    private SourceStatus _status;

    public FrameSource(SourceOptions options)
    {
        _options = options;
        _maxFps = options.MaxFps ?? double.NaN;
        Url = SourceUrl.Parse(options.Url);
        _status = new SourceStatus(options.CameraId, SourceState.Connecting, Url.Display, null, 0, null, DateTimeOffset.UtcNow);
    }

    public string CameraId => _options.CameraId;

    /// <summary>Emit at most this many frames per second (null: every frame); may change while running.</summary>
    public double? MaxFps
    {
        get => Volatile.Read(ref _maxFps) is var v && !double.IsNaN(v) ? v : null;
        set
        {
            if (value is <= 0 || value is { } v && !double.IsFinite(v))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "max_fps must be a positive number, or null for every frame");
            }
            Volatile.Write(ref _maxFps, value ?? double.NaN);
        }
    }

    private double _maxFps = double.NaN; // NaN: no limit
    public SourceUrl Url { get; }
    public SourceStats Stats { get; } = new();

    /// <summary>A file read as fast as the stages take its frames (<c>realtime: false</c>): no frame
    /// of it may be dropped, the source waits instead; a camera or a file played as one is not.</summary>
    public bool PacedByConsumer => !_options.Realtime && !Url.IsLive;

    /// <summary>The picture format, known after the first successful open.</summary>
    public VideoFormat? Format { get; private set; }

    /// <summary>The camera's frame pool, created at the first successful open.</summary>
    public FramePool? Pool { get; private set; }

    public SourceStatus Status => Volatile.Read(ref _status);

    /// <summary>Raised on the source's thread at every state change. Handlers must not block.</summary>
    public event Action<SourceStatus>? StatusChanged;

    /// <summary>Opens files and generated sources now, so a missing or unreadable file is reported
    /// before the service starts. Live sources connect (and retry) when they run.</summary>
    public void Open()
    {
        if (Url.IsLive || _decoder is not null)
        {
            return;
        }
        var decoder = DecoderFactory.Create(Url, _options, null);
        try
        {
            Adopt(decoder, decoder.Open());
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    /// <summary>Runs until the input ends, <see cref="SourceOptions.MaxFrames"/> is reached, a
    /// reconnect limit is hit, or cancellation (which also unblocks a decoder waiting on the input).
    /// <paramref name="emit"/> receives each frame with one reference it must release.</summary>
    public Task RunAsync(Func<Frame, ValueTask> emit, CancellationToken cancellationToken)
        => Task.Factory.StartNew(() => Run(emit, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(Func<Frame, ValueTask> emit, CancellationToken cancellationToken)
    {
        using var abort = cancellationToken.Register(AbortDecoder);
        var attempt = 0;
        var newSession = true;
        var lastPts = TimeSpan.MinValue;
        var lastEmitted = TimeSpan.MinValue;
        var lastFrameClock = Stopwatch.StartNew();
        var ptsOffset = TimeSpan.Zero;
        var pace = Stopwatch.StartNew();
        TimeSpan? paceOrigin = null;
        long framesSeen = 0;
        var discontinuity = true;
        long session = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_options.MaxFrames is { } max && _sequence >= max)
                {
                    return;
                }
                if (_decoder is null)
                {
                    if (!TryConnect(ref attempt, cancellationToken))
                    {
                        return;
                    }
                    newSession = true;
                }
                Frame frame;
                try
                {
                    frame = Pool!.Rent(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                TimeSpan? pts;
                try
                {
                    pts = _decoder!.ReadInto(frame);
                }
                catch
                {
                    frame.Release();
                    throw;
                }
                if (pts is null)
                {
                    frame.Release();
                    var reason = _decoder!.EndReason;
                    CloseDecoder();
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                    if (Url.IsLive)
                    {
                        Stats.CountReconnect();
                        Stats.LastError = reason;
                        if (!WaitBeforeRetry(++attempt, reason ?? $"{Url.Display}: stream ended", cancellationToken))
                        {
                            return;
                        }
                        continue;
                    }
                    if (reason is not null)
                    {
                        Stats.Damage = reason;
                        return;
                    }
                    if (_options.Loop && framesSeen > 0)
                    {
                        continue;
                    }
                    return;
                }
                framesSeen++;
                var frameInterval = TimeSpan.FromSeconds(1 / (Format?.FramesPerSecond ?? 25));
                if (newSession)
                {
                    newSession = false;
                    discontinuity = true;
                    attempt = 0;
                    SetStatus(SourceState.Streaming, null, 0, null);
                    // A new session (reconnect, loop) restarts the stream's clock; continue after the last
                    // frame, leaving at least the real time that passed so gaps stay visible in pts.
                    ptsOffset = lastPts == TimeSpan.MinValue
                        ? TimeSpan.Zero
                        : Max(lastPts + frameInterval, lastPts + lastFrameClock.Elapsed) - pts.Value;
                }
                var streamPts = pts.Value + ptsOffset;
                if (streamPts <= lastPts)
                {
                    streamPts = lastPts + TimeSpan.FromTicks(1);
                }
                lastPts = streamPts;
                lastFrameClock.Restart();

                if (framesSeen <= _options.SkipFrames)
                {
                    _sequence++;
                    Stats.CountSkipped();
                    frame.Release();
                    continue;
                }
                if (MaxFps is { } maxFps && lastEmitted != TimeSpan.MinValue && streamPts - lastEmitted < TimeSpan.FromSeconds(0.95 / maxFps))
                {
                    Stats.CountSkipped();
                    frame.Release();
                    continue;
                }
                if (_options.Realtime && !Url.IsLive)
                {
                    paceOrigin ??= streamPts;
                    var wait = (streamPts - paceOrigin.Value) / _options.Speed - pace.Elapsed;
                    if (wait > TimeSpan.Zero && cancellationToken.WaitHandle.WaitOne(wait))
                    {
                        frame.Release();
                        return;
                    }
                }
                lastEmitted = streamPts;
                var arrival = DateTimeOffset.UtcNow;
                var capture = _decoder!.LastCapture ?? new CaptureStamp(arrival, CaptureClock.Arrival);
                session += discontinuity ? 1 : 0;
                frame.Stamp(CameraId, _sequence++, streamPts, capture, Url.IsLive ? capture.Time : arrival, discontinuity, session);
                discontinuity = false;
                Stats.CountDecoded();
                var pending = emit(frame);
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.AsTask().GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            CloseDecoder();
            if (Status.State != SourceState.Failed)
            {
                SetStatus(SourceState.Ended, Stats.Damage, 0, null);
            }
        }
    }

    public void Dispose()
    {
        CloseDecoder();
        Pool?.Dispose();
    }
}
