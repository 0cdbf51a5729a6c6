using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// Feeds one stage instance (one camera) from its own bounded queue. The queue's policy is the
/// pipeline's <see cref="DeliveryPolicy"/>: drop-oldest for live (dropped frames are released and
/// counted), wait for batch. A frame that makes the stage throw is counted and skipped; the stage
/// keeps running.
/// </summary>
internal sealed class StageRunner
{
    private readonly IFrameStage _stage;
    private readonly Channel<Frame> _input;
    private readonly ILogger _log;

    public StageRunner(string stageName, string cameraId, IFrameStage stage, DeliveryPolicy policy, ILogger log)
    {
        _stage = stage;
        _log = log;
        Stats = new StageStats(cameraId, stageName);
        var options = new BoundedChannelOptions(policy.QueueCapacity)
        {
            FullMode = policy.Lossless ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        };
        _input = Channel.CreateBounded<Frame>(options, dropped =>
        {
            Stats.CountDropped();
            dropped.Release();
        });
    }

    public StageStats Stats { get; }

    /// <summary>Queues a frame; the runner owns the reference passed in from here on.</summary>
    public ValueTask OfferAsync(Frame frame)
    {
        Stats.CountReceived();
        if (_input.Writer.TryWrite(frame))
        {
            return ValueTask.CompletedTask;
        }
        return WaitAndWrite(frame);
    }

    private async ValueTask WaitAndWrite(Frame frame)
    {
        try
        {
            await _input.Writer.WriteAsync(frame).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            frame.Release();
        }
    }

    public void Complete() => _input.Writer.TryComplete();

    public async Task RunAsync(ChannelWriter<StageResult> results)
    {
        await Task.Yield();
        var clock = new Stopwatch();
        await foreach (var frame in _input.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            StageResult? result = null;
            clock.Restart();
            try
            {
                result = _stage.Process(frame);
                Stats.CountProcessed(clock.Elapsed);
                Stats.FrameAge.Record(result.CompletedAt - result.CaptureTime);
            }
            catch (Exception e)
            {
                Stats.CountError(e.Message);
                if (Stats.Errors == 1 || Stats.Errors % 100 == 0)
                {
                    _log.LogError(e, "stage {Stage} on camera {Camera} failed on frame {Seq} ({Count} failures so far); it keeps running", Stats.Stage, Stats.CameraId, frame.Sequence, Stats.Errors);
                }
            }
            finally
            {
                frame.Release();
            }
            if (result is not null)
            {
                await results.WriteAsync(result).ConfigureAwait(false);
            }
        }
    }

    public void DisposeStage() => _stage.Dispose();
}
