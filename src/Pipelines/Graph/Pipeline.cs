using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// The stage graph: every camera's frames fan out to every stage without copying pixels (one pooled
/// buffer, one reference per stage), each (camera, stage) pair has its own bounded queue, and all
/// results meet in one bounded results channel. A camera that fails is reported and the others keep
/// running (a live camera reconnects by itself inside its source).
/// </summary>
public sealed class Pipeline : IDisposable
{
    private readonly IReadOnlyList<FrameSource> _sources;
    private readonly IReadOnlyList<IStageFactory> _stages;
    private readonly ILogger _log;
    private readonly Dictionary<string, List<StageRunner>> _runners = new();
    private readonly Channel<StageResult> _results;
    private long _resultsDropped;

    public Pipeline(IReadOnlyList<FrameSource> sources, IReadOnlyList<IStageFactory> stages, DeliveryPolicy policy, ILogger log, int resultQueueCapacity = 64)
    {
        _sources = sources;
        _stages = stages;
        _log = log;
        Policy = policy;
        foreach (var source in sources)
        {
            _runners[source.CameraId] = stages.Select(s => new StageRunner(s.Name, source.CameraId, s.Create(source.CameraId), policy, log)).ToList();
        }
        _results = Channel.CreateBounded<StageResult>(
            new BoundedChannelOptions(resultQueueCapacity)
            {
                FullMode = policy.Lossless ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            },
            dropped =>
            {
                Interlocked.Increment(ref _resultsDropped);
                dropped.Dispose();
            });
    }

    /// <summary>Frames a pipeline needs in its pool per camera: every stage queue full, every stage
    /// busy with one, and one being decoded.</summary>
    public static int PoolCapacityFor(DeliveryPolicy policy, int stageCount) => stageCount * (policy.QueueCapacity + 1) + 2;

    public DeliveryPolicy Policy { get; }

    public ChannelReader<StageResult> Results => _results.Reader;

    public IReadOnlyList<FrameSource> Sources => _sources;

    public IEnumerable<StageStats> StageStats => _runners.Values.SelectMany(r => r).Select(r => r.Stats);

    /// <summary>Results discarded because their consumer fell behind (live mode only).</summary>
    public long ResultsDropped => Interlocked.Read(ref _resultsDropped);

    /// <summary>Cameras that stopped with an error, and why.</summary>
    public IReadOnlyDictionary<string, string> Failures => _failures;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _failures = new();

    /// <summary>Runs until every source has ended (or cancellation), then completes <see cref="Results"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var runnerTasks = _runners.Values.SelectMany(r => r).Select(r => r.RunAsync(_results.Writer)).ToList();
        var sourceTasks = _sources.Select(s => PumpAsync(s, _runners[s.CameraId], cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(sourceTasks).ConfigureAwait(false);
            await Task.WhenAll(runnerTasks).ConfigureAwait(false);
        }
        finally
        {
            _results.Writer.TryComplete();
        }
    }

    private async Task PumpAsync(FrameSource source, List<StageRunner> runners, CancellationToken cancellationToken)
    {
        try
        {
            await source.RunAsync(async frame =>
            {
                foreach (var runner in runners)
                {
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
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failures[source.CameraId] = e.Message;
            _log.LogError("camera {Camera} stopped: {Message}; the other cameras keep running", source.CameraId, e.Message);
        }
        finally
        {
            foreach (var runner in runners)
            {
                runner.Complete();
            }
        }
    }

    public void Dispose()
    {
        foreach (var runner in _runners.Values.SelectMany(r => r))
        {
            runner.DisposeStage();
        }
    }
}
