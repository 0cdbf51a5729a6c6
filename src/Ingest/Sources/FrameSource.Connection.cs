using System.Diagnostics;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Frames;

namespace StreamVision.Ingest.Sources;

/// <summary>Connecting and reconnecting: opening the decoder with backoff, adopting its format, announcing each state change.</summary>
public sealed partial class FrameSource
{
    private bool TryConnect(ref int attempt, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (attempt == 0 && Status.State != SourceState.Connecting)
            {
                SetStatus(SourceState.Connecting, null, 0, null);
            }
            var decoder = DecoderFactory.Create(Url, _options, Pool is null ? null : (Pool.Width, Pool.Height));
            try
            {
                lock (_decoderLock)
                {
                    _decoder = decoder;
                }
                Adopt(decoder, decoder.Open());
                return true;
            }
            catch (SourceException e) when (Url.IsLive)
            {
                CloseDecoder();
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
                Stats.CountReconnect();
                Stats.LastError = e.Message;
                if (!WaitBeforeRetry(++attempt, e.Message, cancellationToken))
                {
                    return false;
                }
            }
            catch
            {
                CloseDecoder();
                throw;
            }
        }
        return false;
    }

    /// <returns>False when the source should stop (cancelled, or the attempt limit is reached).</returns>
    private bool WaitBeforeRetry(int attempt, string reason, CancellationToken cancellationToken)
    {
        if (_options.Reconnect.MaxAttempts is { } limit && attempt > limit)
        {
            SetStatus(SourceState.Failed, $"{reason} (gave up after {limit} attempts)", attempt, null);
            throw new SourceException($"camera '{CameraId}': {reason}; gave up after {limit} reconnect attempts (reconnect.max_attempts).");
        }
        var delay = _options.Reconnect.DelayFor(attempt, _random);
        SetStatus(SourceState.Reconnecting, reason, attempt, delay);
        return !cancellationToken.WaitHandle.WaitOne(delay);
    }

    private void Adopt(IFrameDecoder decoder, VideoFormat format)
    {
        lock (_decoderLock)
        {
            _decoder = decoder;
        }
        if (Pool is null)
        {
            Format = format;
            Pool = new FramePool(format.Width, format.Height, PixelFormat.Bgr24, _options.PoolCapacity);
        }
        else if (format.Width != Pool.Width || format.Height != Pool.Height)
        {
            throw new SourceException($"camera '{CameraId}': '{Url.Display}' changed size on reopening ({Pool.Width}x{Pool.Height} → {format.Width}x{format.Height}).");
        }
    }

    private void SetStatus(SourceState state, string? message, int attempt, TimeSpan? retryIn)
    {
        var status = new SourceStatus(CameraId, state, Url.Display, message is null ? null : SourceUrl.MaskCredentials(message), attempt, retryIn, DateTimeOffset.UtcNow);
        Volatile.Write(ref _status, status);
        Stats.State = state;
        StatusChanged?.Invoke(status);
    }

    private void AbortDecoder()
    {
        lock (_decoderLock)
        {
            _decoder?.Abort();
        }
    }

    private void CloseDecoder()
    {
        IFrameDecoder? decoder;
        lock (_decoderLock)
        {
            decoder = _decoder;
            _decoder = null;
        }
        decoder?.Dispose();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
