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

    public LatencyWindow AgeOf(string camera) => _age.GetOrAdd(camera, _ => new LatencyWindow(256));

    public long Written(string camera) => _written.GetValueOrDefault(camera);

    public async Task RunAsync(Pipeline pipeline)
    {
        await foreach (var result in pipeline.Results.ReadAllAsync().ConfigureAwait(false))
        {
            using (result)
            {
                foreach (var sink in sinks)
                {
                    try
                    {
                        sink.Write(result);
                    }
                    catch (Exception e)
                    {
                        log.LogError("could not write result {Camera}#{Seq} to {Sink}: {Message}", result.CameraId, result.Sequence, sink.GetType().Name, e.Message);
                    }
                }
                var age = DateTimeOffset.UtcNow - result.CaptureTime;
                AgeOf(result.CameraId).Record(age);
                Observe?.Invoke(result, age);
                _written.AddOrUpdate(result.CameraId, 1, (_, n) => n + 1);
            }
        }
    }
}
