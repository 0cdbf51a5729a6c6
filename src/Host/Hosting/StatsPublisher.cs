using System.Text.Json;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>Publishes &lt;prefix&gt;/stats periodically: per camera its state and rates, per stage its
/// rate, mean service time and drops, frame age, and the MQTT connection and queue.</summary>
public sealed class StatsPublisher(Pipelines.Graph.Pipeline pipeline, Results.ResultRouter router, MqttPublisher publisher, MqttSetup mqtt, StageSet stages, TimeSpan interval)
{
    private readonly RateMeter _rates = new();
    private Task? _loop;

    public void Start(CancellationToken stop) => _loop = RunAsync(stop);

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                publisher.TryPublish(new OutgoingMessage(mqtt.Topics.Stats, Snapshot(), "application/json", Qos: mqtt.Qos.Stats));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public byte[] Snapshot()
    {
        var seconds = interval.TotalSeconds;
        double Rate(string key, long counter) => Math.Round(_rates.PerSecond(key, counter, interval), 2);
        var cameras = pipeline.Sources.Select(source => new
        {
            camera = source.CameraId,
            state = source.Stats.State.ToString().ToLowerInvariant(),
            fps_in = Rate($"in/{source.CameraId}", source.Stats.Decoded),
            reconnects = source.Stats.Reconnects,
            age_ms_p50 = Math.Round(router.AgeOf(source.CameraId).PercentileMs(50), 1),
            age_ms_max = Math.Round(router.AgeOf(source.CameraId).MaxMs(), 1),
            stages = pipeline.StageStats.Where(s => s.CameraId == source.CameraId).Select(s => new
            {
                stage = s.Stage,
                enabled = pipeline.IsStageEnabled(s.CameraId, s.Stage),
                fps_out = Rate($"{s.Stage}/{s.CameraId}", s.Processed),
                mean_ms = s.Processed == 0 ? 0 : Math.Round(s.Busy.TotalMilliseconds / s.Processed, 2),
                processed = s.Processed,
                dropped = s.Dropped,
                errors = s.Errors,
            }).ToList(),
            videollm = VideoLlmMemory(source.CameraId),
        }).ToList();
        var mqtt = publisher.Stats;
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            schema_version = 1,
            time = DateTimeOffset.UtcNow,
            interval_s = seconds,
            cameras,
            mqtt = new { connected = publisher.IsConnected, queued = publisher.QueueDepth, published = mqtt.Published, dropped = mqtt.Dropped, dropped_reliable = mqtt.DroppedReliable, failed = mqtt.Failed },
        });
    }

    /// <summary>The camera's VideoLLM memory per account against its budget (null without the stage).</summary>
    private object? VideoLlmMemory(string camera)
    {
        if (stages.VideoLlm is not { } videollm || videollm.MemoryOf(camera) is not { } memory)
        {
            return null;
        }
        var cache = videollm.CacheOf(camera);
        var (refused, last) = videollm.RefusalsOf(camera);
        return new
        {
            budget_bytes = memory.Camera.Limit,
            held_bytes = memory.Camera.Held,
            peak_bytes = memory.Camera.Peak,
            accounts = memory.Accounts.ToDictionary(a => a.Account, a => a.Bytes),
            offloaded = memory.Offloaded.ToDictionary(t => t.Tier, t => t.Bytes),
            tokens = videollm.TokensOf(camera),
            quantized_blocks = cache?.QuantizedBlocks ?? 0,
            evicted_tokens = cache?.EvictedTokens ?? 0,
            offloaded_bytes = cache?.OffloadedBytes ?? 0,
            clip_factors = cache?.ClipFactors?.ToDictionary(c => c.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), c => Math.Round(c.Value, 2)),
            refused_frames = refused,
            rebased = videollm.RebasesOf(camera),
            last_refusal = last,
            fixed_bytes = videollm.Model.WeightBytes,
            decoder_run_output_bytes = videollm.Model.Decoder.LargestRunOutputBytes,
        };
    }

    public async Task StopAsync()
    {
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }
}
