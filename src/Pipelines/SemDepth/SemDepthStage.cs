using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Pipelines.SemDepth;

/// <summary>
/// Joint semantic segmentation and depth from one model with two heads (Co-SemDepth contract):
/// class scores in <c>output</c> and depth in the <c>outputs</c> entry with role <c>depth</c>. Pose
/// inputs, when the manifest declares them, are fed per frame by a <see cref="PoseFeeder"/>; recurrent
/// state is carried per camera and starts over with the camera's stream.
/// </summary>
public sealed class SemDepthStageFactory(OnnxModel model, PoseSettings pose) : OnnxStageFactory(model, "semdepth", StageName)
{
    public const string StageName = "semdepth";

    public override IFrameStage Create(string cameraId) => new SemDepthStage(Model, pose, cameraId);
}

internal sealed class SemDepthStage(OnnxModel model, PoseSettings pose, string cameraId) : OnnxFrameStage(model, SemDepthStageFactory.StageName)
{
    private readonly SegmentationDecoder _segmentation = new(model.Manifest.Output, model.Manifest.Classes.Count);
    private readonly DepthDecoder _depth = new(model.Manifest.Outputs.First(o => o.Role == "depth"));
    private readonly string[] _classNames = model.Manifest.Classes.Select(c => c.Name).ToArray();
    private readonly PoseFeeder? _pose = model.Manifest.PoseInputs is { } spec ? new PoseFeeder(spec, model.Manifest.Input, pose, cameraId) : null;
    private PoseUse? _used;

    protected override void PrepareInputs(Frame frame) => _used = _pose?.Fill(frame, Buffers, StartedOver);

    protected override StageResult Decode(Frame frame)
        => new SemDepthResult(_segmentation.ToResult(Buffers.Output, _classNames), _depth.ToResult(Buffers.OutputOf("depth")), _used);
}
