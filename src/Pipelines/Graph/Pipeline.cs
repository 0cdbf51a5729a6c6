using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// The stage graph: every camera's frames fan out to every stage fed by the camera without copying
/// pixels (one pooled buffer, one reference per stage), stages that consume other stages' results get
/// them with the same frame (<see cref="StageGraph"/>, <see cref="ResultJoin"/>), each (camera, stage)
/// pair has its own bounded queue, and all results meet in one bounded results channel. A camera that fails is reported and the others
/// keep running (a live camera reconnects by itself inside its source). Cameras can be added and
/// removed while it runs, and a stage switched off and on per camera.
/// </summary>
public sealed class Pipeline : IDisposable
{
    private readonly IReadOnlyList<IStageFactory> _stages;
    private readonly ILogger _log;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lane> _lanes = new();
    private readonly Channel<StageResult> _results;
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _failures = new();
    private CancellationToken _running = CancellationToken.None;
    private bool _started;
    private int _active;
    private long _resultsDropped;

    /// <summary>One camera's source and its stage runners.</summary>
    private sealed class Lane(FrameSource source, List<StageRunner> runners)
    {
        public FrameSource Source { get; } = source;
        public List<StageRunner> Runners { get; } = runners;
        public CancellationTokenSource Stop { get; } = new();
        public Task Run { get; set; } = Task.CompletedTask;
        public bool Removed { get; set; }
    }

    public Pipeline(IReadOnlyList<FrameSource> sources, IReadOnlyList<IStageFactory> stages, DeliveryPolicy policy, ILogger log, int resultQueueCapacity = 64)
    {
        _stages = StageGraph.Order(stages);
        _log = log;
        Policy = policy;
        foreach (var source in sources)
        {
            _lanes[source.CameraId] = CreateLane(source);
        }
        _results = Channel.CreateBounded<StageResult>(
            new BoundedChannelOptions(resultQueueCapacity)
            {
                FullMode = policy.Lossless ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            },
            dropped =>
            {
                if (dropped.MustDeliver && _kept.Count < KeptLimit)
                {
                    _kept.Enqueue(dropped);
                    return;
                }
                Interlocked.Increment(ref _resultsDropped);
                dropped.Dispose();
            });
        _writer = new GatedWriter(_results.Writer, _gate);
    }

    private Lane CreateLane(FrameSource source)
    {
        var policy = source.PacedByConsumer && !Policy.Lossless ? DeliveryPolicy.Batch(Policy.QueueCapacity) : Policy;
        var runners = new Dictionary<string, StageRunner>();
        try
        {
            foreach (var stage in _stages)
            {
                var runner = new StageRunner(stage.Name, source.CameraId, stage.Create(source.CameraId), policy, _log, stage.Consumes);
                runners[stage.Name] = runner;
                if (stage.Consumes.Count > 0)
                {
                    _ = new ResultJoin(runner, stage.Consumes.Select(p => runners[p]).ToArray(), policy);
                }
            }
        }
        catch
        {
            foreach (var runner in runners.Values)
            {
                runner.DisposeStage();
            }
            throw;
        }
        return new(source, runners.Values.ToList());
    }

    /// <summary>Frames a pipeline needs in its pool per camera: every stage queue full, every stage
    /// busy with one, every consuming stage's frames waiting for their last producer, and one being decoded.</summary>
    public static int PoolCapacityFor(DeliveryPolicy policy, IReadOnlyList<IStageFactory> stages)
        => stages.Count * (policy.QueueCapacity + 1) + stages.Where(s => s.Consumes.Count > 0).Sum(s => ResultJoin.CapacityFor(policy, s.Consumes.Count)) + 2;

    public static int PoolCapacityFor(DeliveryPolicy policy, int stageCount) => stageCount * (policy.QueueCapacity + 1) + 2;

    public DeliveryPolicy Policy { get; }

    public ChannelReader<StageResult> Results => _results.Reader;

    /// <summary>The stage runners' way into <see cref="_results"/>: each write, and the drop callback it
    /// may run, happens under <see cref="_gate"/>, which the reader takes too — so what is pushed out into
    /// <see cref="_kept"/> is there, in order, before anything newer can be read.</summary>
    private sealed class GatedWriter(ChannelWriter<StageResult> inner, object gate) : ChannelWriter<StageResult>
    {
        public override bool TryWrite(StageResult item)
        {
            lock (gate)
            {
                return inner.TryWrite(item);
            }
        }

        // Only a lossless (batch) channel is ever full, and it never drops: no gate needed to wait.
        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(StageResult item, CancellationToken cancellationToken = default) => inner.WriteAsync(item, cancellationToken);

        public override bool TryComplete(Exception? error = null) => inner.TryComplete(error);
    }

    private readonly object _gate = new();
    private readonly ChannelWriter<StageResult> _writer;

    /// <summary>Results that must be delivered (<see cref="StageResult.MustDeliver"/>) which a full live
    /// results channel pushed out; a bound, so a stalled consumer cannot make them grow without end.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<StageResult> _kept = new();
    private const int KeptLimit = 4096;

    /// <summary>Every result in order, as <see cref="Results"/>, plus those that must be delivered but
    /// were pushed out of the full channel: those were its oldest, so they come before anything still in it.</summary>
    public async IAsyncEnumerable<StageResult> ReadResultsAsync()
    {
        var reader = _results.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (Next(reader) is { } result)
            {
                yield return result;
            }
        }
        while (_kept.TryDequeue(out var kept))
        {
            yield return kept;
        }
    }

    private StageResult? Next(ChannelReader<StageResult> reader)
    {
        lock (_gate)
        {
            return _kept.TryDequeue(out var kept) ? kept : reader.TryRead(out var result) ? result : null;
        }
    }

    /// <summary>The cameras now in the pipeline.</summary>
    public IReadOnlyList<FrameSource> Sources => _lanes.Values.Select(l => l.Source).OrderBy(s => s.CameraId, StringComparer.Ordinal).ToList();

    public IEnumerable<StageStats> StageStats => _lanes.Values.SelectMany(l => l.Runners).Select(r => r.Stats);

    /// <summary>Stage names, in the order frames are offered to them.</summary>
    public IReadOnlyList<string> StageNames => _stages.Select(s => s.Name).ToList();

    /// <summary>Results discarded because their consumer fell behind (live mode only).</summary>
    public long ResultsDropped => Interlocked.Read(ref _resultsDropped);

    /// <summary>Cameras that stopped with an error, and why.</summary>
    public IReadOnlyDictionary<string, string> Failures => _failures;

    /// <summary>Sees every frame before the stages do (e.g. to keep a snapshot for viewers). Runs on
    /// the camera's thread: it must be quick and must not keep the frame.</summary>
    public Action<Frame>? FrameTap { get; set; }

    public FrameSource? Source(string camera) => _lanes.TryGetValue(camera, out var lane) ? lane.Source : null;

    /// <summary>Switches a stage on or off for one camera; false when the camera or stage is unknown.</summary>
    public bool SetStageEnabled(string camera, string stage, bool enabled)
    {
        if (_lanes.TryGetValue(camera, out var lane) && lane.Runners.FirstOrDefault(r => r.StageName == stage) is { } runner)
        {
            runner.Enabled = enabled;
            return true;
        }
        return false;
    }

    public bool? IsStageEnabled(string camera, string stage)
        => _lanes.TryGetValue(camera, out var lane) ? lane.Runners.FirstOrDefault(r => r.StageName == stage)?.Enabled : null;

    /// <summary>
    /// Runs until every camera has ended by itself (files) or <paramref name="cancellationToken"/>
    /// fires, then completes <see cref="Results"/>. Cameras removed while running do not end it: a
    /// service whose cameras were all removed waits for new ones.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_lanes)
        {
            _running = cancellationToken;
            _started = true;
            foreach (var lane in _lanes.Values)
            {
                Start(lane);
            }
        }
        using var registration = cancellationToken.Register(() =>
        {
            if (Volatile.Read(ref _active) == 0)
            {
                _allEnded.TrySetResult();
            }
        });
        if (_lanes.IsEmpty)
        {
            _allEnded.TrySetResult();
        }
        try
        {
            await _allEnded.Task.ConfigureAwait(false);
            await Task.WhenAll(_lanes.Values.Select(l => l.Run)).ConfigureAwait(false);
        }
        finally
        {
            _results.Writer.TryComplete();
        }
    }

    /// <summary>Adds a camera (its source opened or ready to connect) and starts it if the pipeline runs.</summary>
    public void AddCamera(FrameSource source)
    {
        var lane = CreateLane(source);
        lock (_lanes)
        {
            if (!_lanes.TryAdd(source.CameraId, lane))
            {
                lane.Runners.ForEach(r => r.DisposeStage());
                throw new ArgumentException($"camera '{source.CameraId}' is already running; remove it first or use another id.");
            }
            if (_started)
            {
                Start(lane);
            }
        }
    }

    /// <summary>Stops a camera, finishes what its stages hold, and takes it out; false if unknown.</summary>
    public async Task<bool> RemoveCameraAsync(string camera)
    {
        if (!_lanes.TryGetValue(camera, out var lane))
        {
            return false;
        }
        lane.Removed = true;
        lane.Stop.Cancel();
        await lane.Run.ConfigureAwait(false);
        _lanes.TryRemove(camera, out _);
        lane.Runners.ForEach(r => r.DisposeStage());
        lane.Stop.Dispose();
        return true;
    }

    private void Start(Lane lane)
    {
        Interlocked.Increment(ref _active);
        lane.Run = RunLaneAsync(lane);
    }

    private async Task RunLaneAsync(Lane lane)
    {
        var runnerTasks = lane.Runners.Select(r => r.RunAsync(_writer)).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_running, lane.Stop.Token);
        await PumpAsync(lane.Source, lane.Runners, stop.Token).ConfigureAwait(false);
        await Task.WhenAll(runnerTasks).ConfigureAwait(false);
        if (Interlocked.Decrement(ref _active) == 0 && (!lane.Removed || _running.IsCancellationRequested))
        {
            _allEnded.TrySetResult();
        }
    }

    private async Task PumpAsync(FrameSource source, List<StageRunner> runners, CancellationToken cancellationToken)
    {
        try
        {
            await source.RunAsync(async frame =>
            {
                FrameTap?.Invoke(frame);
                foreach (var runner in runners)
                {
                    if (!runner.Enabled || runner.Consumes)
                    {
                        continue;
                    }
                    frame.AddRef();
                    await runner.OfferAsync(frame).ConfigureAwait(false);
                }
                frame.Release();
            }, cancellationToken).ConfigureAwait(false);
            if (source.Stats.Damage is { } damage)
            {
                _failures[source.CameraId] = damage;
                _log.LogWarning("camera {Camera}: {Damage}", source.CameraId, damage);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped or removed.
        }
        catch (Exception e)
        {
            _failures[source.CameraId] = e.Message;
            _log.LogError("camera {Camera} stopped: {Message}; the other cameras keep running", source.CameraId, e.Message);
        }
        finally
        {
            // Consuming stages complete when their producers end (ResultJoin).
            foreach (var runner in runners.Where(r => !r.Consumes))
            {
                runner.Complete();
            }
        }
    }

    public void Dispose()
    {
        while (_kept.TryDequeue(out var kept))
        {
            kept.Dispose();
        }
        foreach (var lane in _lanes.Values)
        {
            lane.Runners.ForEach(r => r.DisposeStage());
            lane.Stop.Dispose();
        }
    }
}
