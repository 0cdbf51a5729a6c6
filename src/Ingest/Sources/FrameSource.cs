using System.Diagnostics;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Sources;

/// <summary>
/// Reads one camera: rents a pooled frame, lets the decoder fill it, stamps camera id, sequence,
/// presentation and capture time, and hands it to the consumer, which then owns that reference.
/// Sequence numbers and presentation times only ever increase for a camera, also across a loop.
/// </summary>
public sealed class FrameSource : IDisposable
{
    private readonly SourceOptions _options;
    private readonly SourceUrl _url;
    private IFrameDecoder? _decoder;
    private long _sequence;

    public FrameSource(SourceOptions options)
    {
        _options = options;
        _url = SourceUrl.Parse(options.Url);
    }

    public string CameraId => _options.CameraId;
    public SourceUrl Url => _url;
    public SourceStats Stats { get; } = new();
    public VideoFormat Format { get; private set; }
    public FramePool? Pool { get; private set; }

    /// <summary>Opens the input and creates the pool. <paramref name="poolCapacity"/> must cover every
    /// frame that can be in flight at once (queues plus stages plus one being decoded).</summary>
    public VideoFormat Open(int poolCapacity)
    {
        _decoder = _url.CreateDecoder();
        Format = _decoder.Open();
        Pool = new FramePool(Format.Width, Format.Height, PixelFormat.Bgr24, poolCapacity);
        return Format;
    }

    /// <summary>Runs until the input ends, <see cref="SourceOptions.MaxFrames"/> is reached or
    /// cancellation. <paramref name="emit"/> receives each frame with one reference it must release.</summary>
    public async Task RunAsync(Func<Frame, ValueTask> emit, CancellationToken cancellationToken)
    {
        var pool = Pool ?? throw new InvalidOperationException("Open the source first.");
        var clock = Stopwatch.StartNew();
        var ptsOffset = TimeSpan.Zero;
        var lastPts = TimeSpan.MinValue;
        TimeSpan? firstPts = null;
        var frameInterval = TimeSpan.FromSeconds(1 / Format.FramesPerSecond);
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_options.MaxFrames is { } max && _sequence >= max)
            {
                return;
            }
            Frame frame;
            try
            {
                frame = pool.Rent(cancellationToken);
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
                if (_decoder.DamageReport is { } damage)
                {
                    Stats.Damage = damage;
                    return;
                }
                if (_options.Loop && _sequence > 0)
                {
                    ptsOffset = lastPts + frameInterval;
                    Reopen();
                    continue;
                }
                return;
            }
            var streamPts = pts.Value + ptsOffset;
            if (streamPts <= lastPts)
            {
                streamPts = lastPts + TimeSpan.FromTicks(1);
            }
            lastPts = streamPts;
            firstPts ??= streamPts;
            if (_options.Realtime)
            {
                var due = (streamPts - firstPts.Value) / _options.Speed;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        frame.Release();
                        return;
                    }
                }
            }
            frame.Stamp(CameraId, _sequence++, streamPts, DateTimeOffset.UtcNow);
            Stats.CountDecoded();
            await emit(frame).ConfigureAwait(false);
        }
    }

    private void Reopen()
    {
        _decoder!.Dispose();
        _decoder = _url.CreateDecoder();
        var format = _decoder.Open();
        if (format.Width != Format.Width || format.Height != Format.Height)
        {
            throw new SourceException($"camera '{CameraId}': '{_url.Display}' changed size on reopening ({Format.Width}x{Format.Height} → {format.Width}x{format.Height}).");
        }
    }

    public void Dispose()
    {
        _decoder?.Dispose();
        Pool?.Dispose();
    }
}
