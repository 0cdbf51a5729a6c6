using StreamVision.Pipelines.Models;
using YamlDotNet.Serialization;

namespace StreamVision.Host.Config;

/// <summary>The service configuration as written in YAML (snake_case keys). See config/streamvision.example.yaml.</summary>
public sealed class ServiceConfig
{
    public List<CameraConfig> Cameras { get; set; } = new();
    public StagesConfig Stages { get; set; } = new();
    public ModelsConfig Models { get; set; } = new();
    public MqttConfig Mqtt { get; set; } = new();
    public LiveConfig Live { get; set; } = new();
    public HttpConfig Http { get; set; } = new();

    /// <summary>Seconds between summary lines; 0 turns them off.</summary>
    public double SummaryIntervalSeconds { get; set; } = 1;

    /// <summary>trace, debug, information, warning, error.</summary>
    public string LogLevel { get; set; } = "information";

    /// <summary>text (one readable line) or json (one JSON object per line, for log collectors).</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>Folder relative paths in this file are resolved against (not part of the file).</summary>
    [YamlIgnore]
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    [YamlIgnore]
    public string SourceName { get; set; } = "built-in default configuration";
}

public sealed class CameraConfig
{
    public string Id { get; set; } = "";

    /// <summary>synthetic://pattern?width=&amp;height=&amp;fps=, file:///path, or a file path.</summary>
    public string Url { get; set; } = "";

    /// <summary>Pace files at their own frame rate, like a camera (live mode).</summary>
    public bool Realtime { get; set; } = true;

    public double Speed { get; set; } = 1.0;
    public bool Loop { get; set; }
    public long? MaxFrames { get; set; }

    /// <summary>Emit at most this many frames per second; the rest are skipped before any stage.</summary>
    public double? MaxFps { get; set; }

    /// <summary>RTSP transport: tcp (default) or udp.</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>FFmpeg hardware decoding for RTSP/devices (-hwaccel value, e.g. auto, vaapi, cuda).</summary>
    public string? Hwaccel { get; set; }

    /// <summary>Seconds to wait for a stream's first picture before the attempt counts as failed.</summary>
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>No frame for this many frame intervals counts as a disconnect.</summary>
    public double StallFrames { get; set; } = 20;

    public ReconnectConfig Reconnect { get; set; } = new();

    /// <summary>Pinhole intrinsics in frame pixels: [fx, fy, cx, cy]; for models with pose inputs.</summary>
    public List<double>? Intrinsics { get; set; }

    /// <summary>A fixed pose for models with pose inputs, used when no received pose matches a frame.</summary>
    public FixedPoseConfig? Pose { get; set; }
}

public sealed class FixedPoseConfig
{
    /// <summary>Unit quaternion [w, x, y, z].</summary>
    public List<double> Rotation { get; set; } = new() { 1, 0, 0, 0 };

    /// <summary>Metres [x, y, z].</summary>
    public List<double> Translation { get; set; } = new() { 0, 0, 0 };
}

/// <summary>Backoff for live cameras: initial delay doubling up to the maximum, with ±20 % jitter.</summary>
public sealed class ReconnectConfig
{
    public double InitialDelaySeconds { get; set; } = 0.5;
    public double MaxDelaySeconds { get; set; } = 30;

    /// <summary>Give up (state failed) after this many failed attempts in a row; leave out to retry forever.</summary>
    public int? MaxAttempts { get; set; }
}

public sealed class StagesConfig
{
    public SegmentationStageConfig Segmentation { get; set; } = new();
    public DetectionStageConfig Detection { get; set; } = new();
    public DepthStageConfig Depth { get; set; } = new();
    public FlowStageConfig Flow { get; set; } = new();
    public SegDepthStageConfig Semdepth { get; set; } = new();
    public BodyStageConfig Body { get; set; } = new();
    public NarrationStageConfig Narration { get; set; } = new();

    public bool AnyEnabled => Segmentation.Enabled || Detection.Enabled || Depth.Enabled || Flow.Enabled || Semdepth.Enabled || Body.Enabled || Narration.Enabled;
}

/// <summary>What every stage that runs an ONNX model is configured with.</summary>
public abstract class OnnxStageConfig
{
    /// <summary>Execution providers in order of preference (cpu, cuda, tensorrt); unavailable ones are
    /// skipped with a warning, and the CPU is always the last resort.</summary>
    public List<ExecutionProvider> Providers { get; set; } = new() { ExecutionProvider.Cpu };

    public virtual bool Enabled { get; set; }

    /// <summary>A manifest path (…yaml) or a model id whose manifest is in a model folder.</summary>
    public abstract string Model { get; set; }

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</summary>
    public int Threads { get; set; }

    /// <summary>Run several cameras' frames in one model call (needs a dynamic batch axis in the graph).</summary>
    public BatchConfig Batch { get; set; } = new();

    /// <summary>GPU for the cuda and tensorrt providers.</summary>
    public int DeviceId { get; set; }

    /// <summary>Replay the model as a CUDA graph per camera (cuda/tensorrt; falls back when the model does not allow it).</summary>
    public bool CudaGraphs { get; set; }
}

public sealed class BatchConfig
{
    /// <summary>Most frames per run; 1 runs each frame on its own.</summary>
    public int Size { get; set; } = 1;

    /// <summary>Longest the first frame of a batch waits for frames of other cameras.</summary>
    public double DeadlineMs { get; set; } = 10;
}

public enum FlowEngine
{
    /// <summary>Dense Inverse Search (OpenCV's DIS algorithm and presets): built in, no weights.</summary>
    Dis,

    /// <summary>OpenCV's Farneback dense flow: built in, no weights.</summary>
    Farneback,

    /// <summary>A two-frame ONNX model (ReCoVEr / NeuFlow contract) named by <c>model</c>.</summary>
    Onnx,
}

public sealed class FlowStageConfig : OnnxStageConfig
{
    public FlowEngine Engine { get; set; } = FlowEngine.Dis;

    public override string Model { get; set; } = "reference_flow_shift";

    /// <summary>Built-in engine: ultrafast, fast or medium.</summary>
    public Pipelines.Flow.FlowPreset Preset { get; set; } = Pipelines.Flow.FlowPreset.Fast;

    /// <summary>Built-in engine: field width in pixels (frames are downscaled to it).</summary>
    public int Width { get; set; } = 320;

    /// <summary>Frame pixels per frame above which a pixel counts as moving.</summary>
    public double MovingThreshold { get; set; } = 1.0;

    /// <summary>Publish the field as float16 (…/flow/field).</summary>
    public bool PublishField { get; set; } = true;

    /// <summary>Publish an HSV visualisation PNG (…/flow/image): hue = direction, brightness = speed.</summary>
    public bool PublishImage { get; set; }
}

public sealed class DepthStageConfig : OnnxStageConfig
{
    public override string Model { get; set; } = "reference_depth_ramp";

    /// <summary>Publish the depth map as a 16-bit PNG next to the JSON.</summary>
    public bool PublishImage { get; set; } = true;
}

public sealed class DetectionStageConfig : OnnxStageConfig
{
    public override string Model { get; set; } = "yolox_nano_416x416";

    /// <summary>Minimum objectness × class score.</summary>
    public double ScoreThreshold { get; set; } = 0.3;

    /// <summary>Same-class boxes overlapping more than this (IoU) are suppressed.</summary>
    public double NmsIou { get; set; } = 0.45;

    /// <summary>Class names to report; empty reports every class.</summary>
    public List<string> Classes { get; set; } = new() { "person" };
}

public sealed class SegmentationStageConfig : OnnxStageConfig
{
    public override bool Enabled { get; set; } = true;

    public override string Model { get; set; } = "reference_color_segmentation";

    /// <summary>Publish the class mask PNG next to the JSON.</summary>
    public bool PublishMask { get; set; } = true;
}

/// <summary>Joint segmentation + depth (Co-SemDepth contract), with camera pose inputs.</summary>
public sealed class SegDepthStageConfig : OnnxStageConfig
{
    public override string Model { get; set; } = "reference_semdepth";

    public bool PublishMask { get; set; } = true;
    public bool PublishDepth { get; set; } = true;

    public PoseConfig Pose { get; set; } = new();
}

/// <summary>Where a pose-taking model's camera poses come from.</summary>
public sealed class PoseConfig
{
    /// <summary>Take poses published on &lt;prefix&gt;/&lt;camera&gt;/pose (a drone's odometry).</summary>
    public bool Mqtt { get; set; } = true;

    /// <summary>Which frame time a pose's timestamp is compared with: capture_time (pose "time") or pts (pose "pts").</summary>
    public Pipelines.Pose.PoseClock Clock { get; set; } = Pipelines.Pose.PoseClock.CaptureTime;

    /// <summary>A pose further than this from the frame's time does not match it.</summary>
    public double ToleranceMs { get; set; } = 50;
}

/// <summary>Human reconstruction (Human3R-style body contract).</summary>
public sealed class BodyStageConfig : OnnxStageConfig
{
    public override string Model { get; set; } = "reference_body";

    /// <summary>Person slots scoring below this are not published.</summary>
    public double ScoreThreshold { get; set; } = 0.5;
}

/// <summary>The procedural VideoLLM: memory per camera, narration, questions.</summary>
public sealed class NarrationStageConfig : OnnxStageConfig
{
    /// <summary>A videollm manifest (SmolVLM split layout); reference_videollm is the generated test model.</summary>
    public override string Model { get; set; } = "reference_videollm";

    /// <summary>Frames per second that enter the memory.</summary>
    public double IngestFps { get; set; } = 2;

    /// <summary>Seconds between narrations on &lt;prefix&gt;/&lt;camera&gt;/narration; 0 narrates never (questions only).</summary>
    public double NarrationIntervalSeconds { get; set; } = 10;

    /// <summary>Seconds of visual tokens kept; older frames become text.</summary>
    public double VisualWindowSeconds { get; set; } = 10;

    /// <summary>Each camera's memory budget.</summary>
    public double CameraBudgetMb { get; set; } = 2048;

    /// <summary>All cameras' memory together.</summary>
    public double TotalBudgetMb { get; set; } = 2048;

    public int MaxTokens { get; set; } = 48;

    /// <summary>0 is greedy; above 0 samples.</summary>
    public double Temperature { get; set; }

    /// <summary>Who writes long-term memory: structured (perception facts) or llm (the model, from the expiring visual tokens).</summary>
    public string Verbalizer { get; set; } = "structured";

    /// <summary>Expired frames are verbalized together once they span this long (llm: one generation per chunk).</summary>
    public double VerbalizeEverySeconds { get; set; } = 10;

    /// <summary>HeadInfer's offload: KV heads move to host memory, then disk, before tokens are evicted.</summary>
    public NarrationOffloadConfig Offload { get; set; } = new();
}

/// <summary>Where offloaded KV goes (all cameras together); nothing set, no offload.</summary>
public sealed class NarrationOffloadConfig
{
    /// <summary>Host memory (outside the managed heap) for offloaded KV; 0 = none.</summary>
    public double HostMb { get; set; }

    /// <summary>A folder the service owns for offloaded KV, emptied at start and at stop; empty = none.</summary>
    public string DiskDir { get; set; } = "";

    /// <summary>Disk space for offloaded KV.</summary>
    public double DiskMb { get; set; }
}

public sealed class ModelsConfig
{
    /// <summary>Folders searched for manifests (by id) and model files, after the built-in models folder.</summary>
    public List<string> SearchPaths { get; set; } = new();
}

/// <summary>The HTTP side: REST control, Prometheus metrics, health checks, the live page.</summary>
public sealed class HttpConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on. 127.0.0.1 keeps control on this machine.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 takes any free one, -1 turns HTTP off.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>How long POST /api/cameras/{id}/ask waits for the answer before replying 504.</summary>
    public double AskTimeoutSeconds { get; set; } = 120;
}

public sealed class LiveConfig
{
    /// <summary>Frames that may wait in front of each stage per camera before the oldest is dropped.</summary>
    public int Queue { get; set; } = 1;
}

public sealed class MqttConfig
{
    /// <summary>Topic prefix: topics are &lt;prefix&gt;/available and &lt;prefix&gt;/&lt;camera&gt;/&lt;task&gt;.</summary>
    public string Prefix { get; set; } = "streamvision";

    /// <summary>Broker the service publishes to (the embedded one listens on this port when enabled).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string ClientId { get; set; } = "streamvision";

    /// <summary>Outgoing messages held while the broker is slow or away. Beyond it the oldest QoS 0
    /// message is dropped first; QoS 1/2 messages within it are never lost.</summary>
    public int Queue { get; set; } = 1024;

    /// <summary>Most megabytes those messages may hold (payloads and topics); the same dropping rule
    /// applies when it is reached, so a slow broker never costs more memory than this.</summary>
    public int QueueMb { get; set; } = 64;

    /// <summary>TLS to an external broker; leave out for plain TCP.</summary>
    public MqttTlsConfig? Tls { get; set; }

    /// <summary>Start without the broker's stored session.</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>How long the broker keeps the session after a disconnect (MQTT 5).</summary>
    public uint SessionExpirySeconds { get; set; }

    public int KeepAliveSeconds { get; set; } = 15;

    public MqttQosConfig Qos { get; set; } = new();

    /// <summary>Seconds between &lt;prefix&gt;/stats messages; 0 turns them off.</summary>
    public double StatsIntervalSeconds { get; set; } = 10;

    public EmbeddedBrokerConfig Embedded { get; set; } = new();
}

public sealed class MqttTlsConfig
{
    /// <summary>PEM CA certificate that signed the broker's certificate; leave out to use the system's trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate and key, for brokers that require one.</summary>
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }

    /// <summary>Name expected in the broker's certificate when it differs from mqtt.host.</summary>
    public string? ServerName { get; set; }
}

/// <summary>QoS (0, 1 or 2) per kind of topic.</summary>
public sealed class MqttQosConfig
{
    /// <summary>Per-frame JSON results. 1 keeps them through a broker outage (within mqtt.queue).</summary>
    public int Results { get; set; }

    /// <summary>Binary companions (masks, depth maps, flow fields).</summary>
    public int Companions { get; set; }

    /// <summary>Retained state: availability, camera status, command state.</summary>
    public int State { get; set; } = 1;

    public int Stats { get; set; }
}

/// <summary>A client of the embedded broker.</summary>
public sealed class BrokerUserConfig
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    /// <summary>May publish to the service's input topics (commands, poses, questions).</summary>
    public bool Commands { get; set; }
}

public sealed class EmbeddedBrokerConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address the embedded broker listens on. 127.0.0.1 keeps it on this machine.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>When given, every client must log in as one of these; only those with 'commands'
    /// may publish to the service's input topics. Empty: anonymous clients, anyone may command.</summary>
    public List<BrokerUserConfig> Users { get; set; } = new();
}
