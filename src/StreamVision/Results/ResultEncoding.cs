using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Results;

/// <summary>Picks the encoder for a result's task. The sinks only move bytes.</summary>
/// <param name="SegmentationMask">Produce the segmentation mask PNG companion.</param>
/// <param name="DepthImage">Produce the 16-bit depth PNG companion.</param>
/// <param name="FlowField">Produce the float16 flow field companion.</param>
/// <param name="FlowImage">Produce the HSV flow picture companion.</param>
public sealed class ResultEncoding(bool SegmentationMask, bool DepthImage = true, bool FlowField = true, bool FlowImage = false)
{
    public EncodedResult Encode(StageResult result, DateTimeOffset publishTime, Func<string, string> companionLocation) => result switch
    {
        SegmentationResult s => SegmentationEncoder.Encode(s, publishTime, SegmentationMask, companionLocation),
        DetectionResult d => DetectionEncoder.Encode(d, publishTime),
        DepthResult d => DepthEncoder.Encode(d, publishTime, DepthImage, companionLocation),
        FlowResult f => FlowEncoder.Encode(f, publishTime, FlowField, FlowImage, companionLocation),
        _ => throw new NotSupportedException($"no encoder for {result.GetType().Name} results"),
    };
}
