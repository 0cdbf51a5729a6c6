using StreamVision.Host.Config;
using StreamVision.Pipelines.Body;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.SemDepth;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Results;

/// <summary>Picks the encoder for a result's task, with the companions the stages' config asks
/// for. The sinks only move bytes.</summary>
public sealed class ResultEncoding(StagesConfig stages)
{
    public EncodedResult Encode(StageResult result, DateTimeOffset publishTime, Func<string, string> companionLocation) => result switch
    {
        SegmentationResult s => SegmentationEncoder.Encode(s, publishTime, stages.Segmentation.PublishMask, companionLocation),
        DetectionResult d => DetectionEncoder.Encode(d, publishTime),
        DepthResult d => DepthEncoder.Encode(d, publishTime, stages.Depth.PublishImage, companionLocation),
        FlowResult f => FlowEncoder.Encode(f, publishTime, stages.Flow.PublishField, stages.Flow.PublishImage, companionLocation),
        SemDepthResult j => SemDepthEncoder.Encode(j, publishTime, stages.SemDepth.PublishMask, stages.SemDepth.PublishDepth, companionLocation),
        BodyResult b => BodyEncoder.Encode(b, publishTime),
        Pipelines.VideoLlm.NarrationResult n => VideoLlmEncoder.Encode(n, publishTime),
        Pipelines.Events.EventsResult e => EventsEncoder.Encode(e, publishTime),
        _ => throw new NotSupportedException($"no encoder for {result.GetType().Name} results"),
    };
}
