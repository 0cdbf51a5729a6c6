using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Host.Results;

/// <summary>Drains the pipeline's results into the sinks, records the age of each frame at the
/// moment it leaves (capture → handed to the sink), and disposes results so pooled masks return.</summary>
public sealed class ResultRouter(IReadOnlyList<IResultSink> sinks, ILogger log)
{
    private readonly ConcurrentDictionary<string, LatencyWindow> _age = new();
    private readonly ConcurrentDictionary<string, long> _written = new();

    /// <summary>Called for every result handed to the sinks, with its frame's age (metrics).</summary>
    public Action<StageResult, TimeSpan>? Observe { get; set; }

    /// <summary>Called when a sink cannot take a result (after logging it). Live sinks shrug it off; a
    /// batch stops, since a result it cannot write is a gap in its output.</summary>
    public Action<StageResult, Exception>? SinkFailed { get; set; }

    public LatencyWindow AgeOf(string camera) => _age.GetOrAdd(camera, _ => new LatencyWindow(256));

    /// <summary>Results of <paramref name="camera"/> every sink took.</summary>
    public long Written(string camera) => _written.GetValueOrDefault(camera);

    /// <summary>Results handed to the sinks, and the managed bytes the sinks allocated for them
    /// (encoding, MQTT messages, files): the per-result allocation after the stages.</summary>
    public long Routed => Interlocked.Read(ref _routed);

    public long SinkAllocatedBytes => Interlocked.Read(ref _sinkAllocated);

    private long _routed;
    private long _sinkAllocated;

    public async Task RunAsync(Pipeline pipeline)
    {
        await foreach (var result in pipeline.ReadResultsAsync().ConfigureAwait(false))
        {
            using (result)
            {
                // The sinks are synchronous, so this thread's counter sees only their allocations.
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var written = true;
                foreach (var sink in sinks)
                {
                    try
                    {
                        sink.Write(result);
                    }
                    catch (Exception e)
                    {
                        log.LogError("could not write result {Camera}#{Seq} to {Sink}: {Message}", result.CameraId, result.Sequence, sink.GetType().Name, e.Message);
                        SinkFailed?.Invoke(result, e);
                        written = false;
                    }
                }
                Interlocked.Add(ref _sinkAllocated, GC.GetAllocatedBytesForCurrentThread() - allocated);
                Interlocked.Increment(ref _routed);
                var age = DateTimeOffset.UtcNow - result.AgeOrigin;
                AgeOf(result.CameraId).Record(age);
                Observe?.Invoke(result, age);
                if (written)
                {
                    _written.AddOrUpdate(result.CameraId, 1, (_, n) => n + 1);
                }
            }
        }
    }
}
