using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Segmentation;

/// <summary>Semantic segmentation with any model described by a segmentation manifest. One session
/// is shared by all cameras; each camera gets its own tensors and pre-processor.</summary>
public sealed class SegmentationStageFactory(OnnxModel model) : OnnxStageFactory(model, "segmentation", StageName)
{
    public const string StageName = "segmentation";

    public override IFrameStage Create(string cameraId) => new SegmentationStage(Model);
}

internal sealed class SegmentationStage(OnnxModel model) : OnnxFrameStage(model, SegmentationStageFactory.StageName)
{
    private readonly SegmentationDecoder _decoder = new(model.Manifest.Output, model.Manifest.Classes.Count);
    private readonly string[] _classNames = model.Manifest.Classes.Select(c => c.Name).ToArray();

    protected override StageResult Decode(Frame frame) => _decoder.ToResult(Buffers.Output, _classNames);
}
