using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Pipelines.SemDepth;

/// <summary>Both heads of a joint model for one frame, and the pose it was given.</summary>
public sealed class SemDepthResult(SegmentationResult segmentation, DepthResult depth, PoseUse? pose) : StageResult
{
    public SegmentationResult Segmentation { get; } = segmentation;
    public DepthResult Depth { get; } = depth;

    /// <summary>Null when the model takes no pose inputs.</summary>
    public PoseUse? Pose { get; } = pose;

    protected override void Free()
    {
        Segmentation.Dispose();
        Depth.Dispose();
    }
}
