using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Detection;

/// <summary>Settings of the detection stage.</summary>
/// <param name="Classes">Class names to report; empty reports every class.</param>
public sealed record DetectionSettings(float ScoreThreshold = 0.3f, float NmsIou = 0.45f, IReadOnlyList<string>? Classes = null);

/// <summary>Object detection with a YOLOX-contract model; one session shared by all cameras.</summary>
public sealed class DetectionStageFactory : OnnxStageFactory
{
    public const string StageName = "detection";
    private readonly DetectionSettings _settings;
    private readonly HashSet<int>? _wanted;

    public DetectionStageFactory(OnnxModel model, DetectionSettings settings) : base(model, "detection", StageName)
    {
        _settings = settings;
        if (settings.Classes is { Count: > 0 } names)
        {
            var known = model.Manifest.Classes.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i);
            _wanted = names.Select(n => known.TryGetValue(n, out var id) ? id
                : throw new Configuration.ConfigurationException($"stages.detection.classes: '{n}' is not a class of model '{model.Id}' (known: {string.Join(", ", known.Keys.Take(12))}…).")).ToHashSet();
        }
    }

    public override IFrameStage Create(string cameraId) => new DetectionStage(Model, _settings, _wanted);
}

internal sealed class DetectionStage(OnnxModel model, DetectionSettings settings, IReadOnlySet<int>? wanted)
    : OnnxFrameStage(model, DetectionStageFactory.StageName)
{
    private readonly YoloxDecoder _decoder = new(model.Manifest);

    protected override StageResult Decode(Frame frame) => new DetectionResult
    {
        Detections = _decoder.Decode(Buffers.Output, Preprocessor.Scale, frame.Width, frame.Height, settings.ScoreThreshold, settings.NmsIou, wanted),
        FrameWidth = frame.Width,
        FrameHeight = frame.Height,
    };
}
