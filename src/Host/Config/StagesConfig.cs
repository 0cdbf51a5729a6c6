using Microsoft.Extensions.Options;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;
using YamlDotNet.Serialization;

namespace StreamVision.Host.Config;

public sealed class StagesConfig
{
    public SegmentationStageConfig Segmentation { get; set; } = new();
    public DetectionStageConfig Detection { get; set; } = new();
    public DepthStageConfig Depth { get; set; } = new();
    public FlowStageConfig Flow { get; set; } = new();
    [YamlMember(Alias = "semdepth")]
    public SemDepthStageConfig SemDepth { get; set; } = new();
    public BodyStageConfig Body { get; set; } = new();
    [YamlMember(Alias = "videollm")]
    [DeprecatedKey("narration")]
    public VideoLlmStageConfig VideoLlm { get; set; } = new();

    /// <summary>Events, zones and lines over the detection stage's tracks.</summary>
    public EventsStageConfig Events { get; set; } = new();

    public bool AnyEnabled => Segmentation.Enabled || Detection.Enabled || Depth.Enabled || Flow.Enabled || SemDepth.Enabled || Body.Enabled || VideoLlm.Enabled;
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

/// <summary>What every ONNX stage shares (threads, batching), at least one stage on, and each
/// stage's own rules (<see cref="PerceptionStageRules"/>, <see cref="VideoLlmRules"/>).</summary>
public sealed class StagesRules(ServiceConfig root) : SectionRules<StagesConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(StagesConfig stages, string key)
    {
        foreach (var (name, stage) in ConfigLoader.OnnxStages(stages))
        {
            if (stage.Threads < 0)
            {
                yield return ConfigProblem.Bad($"{key}.{name}.threads", stage.Threads, "use 0 (automatic) or a positive thread count.");
            }
            if (stage.Batch.Size is < 1 or > 64)
            {
                yield return ConfigProblem.Bad($"{key}.{name}.batch.size", stage.Batch.Size, "use 1 (each frame on its own) up to 64 frames per run.");
            }
            if (stage.Batch.DeadlineMs is < 0 or > 1000)
            {
                yield return ConfigProblem.Bad($"{key}.{name}.batch.deadline_ms", stage.Batch.DeadlineMs, "use 0..1000 ms (a few ms keeps latency low).");
            }
        }
        foreach (var problem in new PerceptionStageRules(Root).Check(stages, key).Concat(new VideoLlmRules(Root).Check(stages.VideoLlm, $"{key}.videollm"))
                     .Concat(stages.Events.Check(stages, $"{key}.events")))
        {
            yield return problem;
        }
        if (!stages.AnyEnabled)
        {
            yield return new ConfigProblem(key, $"every stage is disabled ({string.Join(", ", ConfigLoader.OnnxStages(stages).Select(s => $"{key}.{s.Name}"))}); enable at least one stage.");
        }
    }
}
