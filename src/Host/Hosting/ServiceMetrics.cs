using System.Diagnostics.Metrics;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The service's metrics as .NET instruments (System.Diagnostics.Metrics), observed from the live
/// counters so nothing is counted twice. Any exporter (Prometheus, OpenTelemetry, dotnet-counters
/// on meter "StreamVision") reads them without the pipeline knowing.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "StreamVision";

    private readonly Meter _meter = new(MeterName);

    /// <summary>This service's meter (several services in one process each have their own).</summary>
    public Meter Meter => _meter;

    /// <param name="videoLlmBytes">Per camera and account, the bytes its VideoLLM memory holds (none without the stage).</param>
    /// <param name="videoLlmFixedBytes">The VideoLLM's fixed costs shared by all cameras (model weights; the decoder's largest run's outputs held by ONNX Runtime), none without it.</param>
    public ServiceMetrics(Pipeline pipeline, IReadOnlyList<IStageFactory> stages, Publish.Mqtt.MqttPublisher publisher,
        Func<IEnumerable<(string Camera, string Account, long Bytes)>>? videoLlmBytes = null, Func<IEnumerable<(string Part, long Bytes)>>? videoLlmFixedBytes = null)
    {
        _meter.CreateObservableGauge("stage.provider", () => stages.Select(s => new Measurement<int>(1,
                new KeyValuePair<string, object?>("stage", s.Name), new KeyValuePair<string, object?>("model", s.ModelId), new KeyValuePair<string, object?>("provider", s.Provider))),
            description: "1 per stage, tagged with the model and the execution provider it runs on");
        _meter.CreateObservableGauge("camera.state", () => pipeline.Sources.SelectMany(CameraState),
            description: "1 for the camera's current state (connecting, streaming, reconnecting, failed, ended), 0 for the others");
        _meter.CreateObservableCounter("camera.frames", () => pipeline.Sources.Select(s => Measure(s.Stats.Decoded, s.CameraId)),
            unit: "{frame}", description: "Frames handed to the stages");
        _meter.CreateObservableCounter("camera.reconnects", () => pipeline.Sources.Select(s => Measure(s.Stats.Reconnects, s.CameraId)),
            unit: "{reconnect}", description: "Failed connection attempts and dropped connections");
        _meter.CreateObservableCounter("stage.frames", () => pipeline.StageStats.Select(s => Measure(s.Processed, s.CameraId, s.Stage)),
            unit: "{frame}", description: "Frames a stage finished");
        _meter.CreateObservableCounter("stage.dropped", () => pipeline.StageStats.Select(s => Measure(s.Dropped, s.CameraId, s.Stage)),
            unit: "{frame}", description: "Frames dropped in front of a busy stage (live mode)");
        _meter.CreateObservableCounter("stage.allocated", () => pipeline.StageStats.Select(s => Measure(s.AllocatedBytes, s.CameraId, s.Stage)),
            unit: "By", description: "Managed bytes a stage allocated while processing (divide by stage.frames for bytes per frame)");
        _meter.CreateObservableGauge("mqtt.queue", () => publisher.QueueDepth, unit: "{message}", description: "Messages waiting for the broker");
        _meter.CreateObservableGauge("mqtt.queue_bytes", () => publisher.QueueBytes, unit: "By", description: "Bytes waiting for the broker (bounded by mqtt.queue_mb)");
        _meter.CreateObservableGauge("mqtt.connected", () => publisher.IsConnected ? 1 : 0, description: "1 while the broker connection is up");
        _meter.CreateObservableCounter("mqtt.published", () => publisher.Stats.Published, unit: "{message}", description: "Messages the broker took");
        _meter.CreateObservableCounter("mqtt.dropped", () => publisher.Stats.Dropped, unit: "{message}", description: "Messages dropped because the outgoing queue was full");
        _meter.CreateObservableGauge("cache.bytes", () => (videoLlmBytes?.Invoke() ?? []).Select(c => new Measurement<long>(c.Bytes,
                new KeyValuePair<string, object?>("camera", c.Camera), new KeyValuePair<string, object?>("account", c.Account))),
            unit: "By", description: "Bytes the camera's VideoLLM memory holds per account: cache (KV blocks at their precision, text), past (the decoder's float32 past), answers (questions' copies), verbalizer — the camera budget holds their sum — and offload_host, offload_disk (KV moved out, counted in the offload tiers' own budgets)");
        _meter.CreateObservableGauge("videollm.fixed_bytes", () => (videoLlmFixedBytes?.Invoke() ?? []).Select(p => new Measurement<long>(p.Bytes, new KeyValuePair<string, object?>("part", p.Part))),
            unit: "By", description: "The VideoLLM's fixed costs, shared by all cameras and outside their budgets: part=weights (its model files), part=decoder_run_outputs (the largest run's present keys and values and logits, held in ONNX Runtime's arena)");
        _age = _meter.CreateHistogram<double>("frame.age", unit: "ms", description: "Capture to hand-over to MQTT, per result");
        _latency = _meter.CreateHistogram<double>("stage.latency", unit: "ms", description: "Time a stage spent on a frame");
    }

    private readonly Histogram<double> _age;
    private readonly Histogram<double> _latency;

    /// <summary>Records one published result: the age of its frame and the stage's time on it.</summary>
    public void Record(StageResult result, TimeSpan age)
    {
        var camera = new KeyValuePair<string, object?>("camera", result.CameraId);
        _age.Record(age.TotalMilliseconds, camera);
        _latency.Record(result.ProcessingTime.TotalMilliseconds, camera, new KeyValuePair<string, object?>("stage", result.Stage));
    }

    private static IEnumerable<Measurement<int>> CameraState(FrameSource source) =>
        Enum.GetValues<SourceState>().Select(state => new Measurement<int>(
            source.Stats.State == state ? 1 : 0,
            new KeyValuePair<string, object?>("camera", source.CameraId),
            new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant())));

    private static Measurement<long> Measure(long value, string camera, string? stage = null) => stage is null
        ? new Measurement<long>(value, new KeyValuePair<string, object?>("camera", camera))
        : new Measurement<long>(value, new KeyValuePair<string, object?>("camera", camera), new KeyValuePair<string, object?>("stage", stage));

    public void Dispose() => _meter.Dispose();
}
