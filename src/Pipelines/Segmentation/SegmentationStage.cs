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

internal sealed class SegmentationStage : OnnxFrameStage
{
    private readonly SegmentationDecoder _decoder;
    private readonly long[] _counts;
    private readonly string[] _classNames;

    public SegmentationStage(OnnxModel model) : base(model, SegmentationStageFactory.StageName)
    {
        _classNames = model.Manifest.Classes.Select(c => c.Name).ToArray();
        _decoder = new SegmentationDecoder(model.Manifest.Output, _classNames.Length);
        _counts = new long[_classNames.Length];
    }

    protected override StageResult Decode(Frame frame)
    {
        var pixels = _decoder.Width * _decoder.Height;
        var mask = new PooledArray<byte>(pixels);
        _decoder.Decode(Buffers.Output, mask.Span, _counts);
        var fractions = new double[_counts.Length];
        for (var c = 0; c < fractions.Length; c++)
        {
            fractions[c] = (double)_counts[c] / pixels;
        }
        return new SegmentationResult(mask, _decoder.Width, _decoder.Height, fractions, _classNames);
    }
}
