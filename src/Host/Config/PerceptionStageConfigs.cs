using Microsoft.Extensions.Options;

namespace StreamVision.Host.Config;

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

    /// <summary>Follow objects over frames (ByteTrack): a track_id on every detection.</summary>
    public TrackingConfig Tracking { get; set; } = new();
}

public sealed class SegmentationStageConfig : OnnxStageConfig
{
    public override bool Enabled { get; set; } = true;

    public override string Model { get; set; } = "reference_color_segmentation";

    /// <summary>Publish the class mask PNG next to the JSON.</summary>
    public bool PublishMask { get; set; } = true;
}

/// <summary>Joint segmentation + depth (Co-SemDepth contract), with camera pose inputs.</summary>
public sealed class SemDepthStageConfig : OnnxStageConfig
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

/// <summary>The perception stages' own keys (thresholds, sizes, pose matching).</summary>
public sealed class PerceptionStageRules(ServiceConfig root) : SectionRules<StagesConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(StagesConfig s, string key)
    {
        if (!(s.SemDepth.Pose.ToleranceMs > 0))
        {
            yield return ConfigProblem.Bad($"{key}.semdepth.pose.tolerance_ms", s.SemDepth.Pose.ToleranceMs, "use a positive number of milliseconds (about half the pose rate's interval).");
        }
        if (s.Body.ScoreThreshold is <= 0 or >= 1)
        {
            yield return ConfigProblem.Bad($"{key}.body.score_threshold", s.Body.ScoreThreshold, "use a score between 0 and 1.");
        }
        if (s.Flow.Width is < 16 or > 4096)
        {
            yield return ConfigProblem.Bad($"{key}.flow.width", s.Flow.Width, "use 16..4096 pixels (320 is a good start).");
        }
        if (s.Flow.MovingThreshold < 0)
        {
            yield return ConfigProblem.Bad($"{key}.flow.moving_threshold", s.Flow.MovingThreshold, "use 0 or more pixels per frame.");
        }
        if (s.Detection.ScoreThreshold is <= 0 or >= 1)
        {
            yield return ConfigProblem.Bad($"{key}.detection.score_threshold", s.Detection.ScoreThreshold, "use a score between 0 and 1 (0.3 is YOLOX's demo value).");
        }
        if (s.Detection.NmsIou is <= 0 or > 1)
        {
            yield return ConfigProblem.Bad($"{key}.detection.nms_iou", s.Detection.NmsIou, "use an overlap between 0 and 1 (0.45 is usual).");
        }
        foreach (var problem in s.Detection.Tracking.Check($"{key}.detection.tracking"))
        {
            yield return problem;
        }
    }
}
