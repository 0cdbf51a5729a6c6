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

    public string StageName => Stats.Stage;

    /// <summary>A disabled stage is not offered frames (a command may switch it while running).</summary>
    public bool Enabled
    {
        get => Volatile.Read(ref _enabled);
        set => Volatile.Write(ref _enabled, value);
    }

    private bool _enabled = true;

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

    /// <summary>Processes frames until the queue is completed. Inference blocks a core for tens of
    /// milliseconds per frame, so each runner gets its own thread instead of starving the thread
    /// pool that MQTT, routing and timers share.</summary>
    public Task RunAsync(ChannelWriter<StageResult> results)
        => Task.Factory.StartNew(() => Run(results), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(ChannelWriter<StageResult> results)
    {
        var clock = new Stopwatch();
        var reader = _input.Reader;
        while (Wait(reader.WaitToReadAsync()))
        {
            while (reader.TryRead(out var frame))
            {
                StageResult? result = null;
                clock.Restart();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    result = _stage.Process(frame);
                    Stats.CountProcessed(clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocated);
                    if (result is not null)
                    {
                        Stats.FrameAge.Record(result.CompletedAt - result.AgeOrigin);
                    }
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
                if (result is not null && !results.TryWrite(result))
                {
                    // Only a lossless (batch) results channel is ever full: wait for the consumer.
                    Wait(results.WriteAsync(result));
                }
            }
        }
    }

    private static T Wait<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    public void DisposeStage() => _stage.Dispose();
}
