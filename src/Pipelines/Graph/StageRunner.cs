using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// Feeds one stage instance (one camera) from its own bounded queue. The queue's policy is the
/// pipeline's <see cref="DeliveryPolicy"/>: drop-oldest for live (dropped frames are released and
/// counted), wait for batch. A frame that makes the stage throw is counted and skipped; the stage
/// keeps running. A consuming stage's runner is fed by a <see cref="ResultJoin"/> with the frame and
/// its producers' results; every runner reports what it did with each frame to the joins it feeds.
/// </summary>
internal sealed class StageRunner
{
    private readonly IFrameStage _stage;
    private readonly Channel<Input> _input;
    private readonly ILogger _log;
    private readonly StageInputs? _inputs;
    private readonly List<(ResultJoin Join, int Producer)> _feeds = new();

    /// <summary>A frame, and for a consuming stage its producers' results (owned with the frame).</summary>
    private readonly record struct Input(Frame Frame, StageResult?[]? Results)
    {
        public void Release()
        {
            if (Results is not null)
            {
                foreach (var result in Results)
                {
                    result?.Dispose();
                }
            }
            Frame.Release();
        }
    }

    public StageRunner(string stageName, string cameraId, IFrameStage stage, DeliveryPolicy policy, ILogger log, IReadOnlyList<string>? consumes = null)
    {
        _stage = stage;
        _log = log;
        if (consumes is { Count: > 0 })
        {
            _inputs = stage is IConsumingStage
                ? new StageInputs(consumes, [])
                : throw new InvalidOperationException($"stage '{stageName}' consumes {string.Join(", ", consumes)} but its instances do not take results ({nameof(IConsumingStage)}).");
        }
        Stats = new StageStats(cameraId, stageName);
        var options = new BoundedChannelOptions(policy.QueueCapacity)
        {
            FullMode = policy.Lossless ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        };
        _input = Channel.CreateBounded<Input>(options, dropped =>
        {
            Stats.CountDropped();
            foreach (var (join, producer) in _feeds)
            {
                join.Report(producer, dropped.Frame, null, dropped: true);
            }
            dropped.Release();
        });
    }

    /// <summary>True when the stage consumes other stages' results instead of the camera's frames.</summary>
    public bool Consumes => _inputs is not null;

    /// <summary>This runner's results (or their absence) go to <paramref name="join"/> as producer <paramref name="producer"/>.</summary>
    public void Feeds(ResultJoin join, int producer) => _feeds.Add((join, producer));

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
    public ValueTask OfferAsync(Frame frame) => OfferAsync(new Input(frame, null));

    /// <summary>Queues a frame with its producers' results (a consuming stage), waiting on the
    /// caller's thread while a lossless queue is full; the runner owns them from here on.</summary>
    public void Offer(Frame frame, StageResult?[] results) => Wait(OfferAsync(new Input(frame, results)));

    private ValueTask OfferAsync(Input input)
    {
        Stats.CountReceived();
        if (_input.Writer.TryWrite(input))
        {
            return ValueTask.CompletedTask;
        }
        return WaitAndWrite(input);
    }

    private async ValueTask WaitAndWrite(Input input)
    {
        try
        {
            await _input.Writer.WriteAsync(input).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            input.Release();
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
            while (reader.TryRead(out var input))
            {
                var frame = input.Frame;
                StageResult? result = null;
                clock.Restart();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    result = Process(input);
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
                // Consumers retain the result before the sinks may dispose it.
                foreach (var (join, producer) in _feeds)
                {
                    join.Report(producer, frame, result);
                }
                input.Release();
                Publish(result, results);
            }
        }
        Finish(results);
    }

    private StageResult? Process(Input input)
    {
        if (_inputs is null)
        {
            return _stage.Process(input.Frame);
        }
        _inputs.Current = input.Results!;
        return ((IConsumingStage)_stage).Process(input.Frame, _inputs);
    }

    /// <summary>The stream ended: the stage's last word, then the consumers are told.</summary>
    private void Finish(ChannelWriter<StageResult> results)
    {
        try
        {
            Publish(_stage.Finish(), results);
        }
        catch (Exception e)
        {
            Stats.CountError(e.Message);
            _log.LogError(e, "stage {Stage} on camera {Camera} failed at the end of the stream", Stats.Stage, Stats.CameraId);
        }
        foreach (var (join, producer) in _feeds)
        {
            join.Ended(producer);
        }
    }

    private static void Publish(StageResult? result, ChannelWriter<StageResult> results)
    {
        if (result is not null && !results.TryWrite(result))
        {
            // Only a lossless (batch) results channel is ever full: wait for the consumer.
            Wait(results.WriteAsync(result));
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
