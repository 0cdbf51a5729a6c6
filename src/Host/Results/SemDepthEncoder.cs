using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.SemDepth;

namespace StreamVision.Host.Results;

/// <summary>
/// Joint segmentation + depth payload: the segmentation fields under "segmentation", the depth
/// fields under "depth" (both as on their own topics), and "pose": what the model was given
/// (source received/fixed/missing, gap between pose and frame time in ms, new_trajectory).
/// Companions: "mask" (class-index PNG) and "depth" (16-bit PNG).
/// </summary>
public static class SemDepthEncoder
{
    public static EncodedResult Encode(SemDepthResult r, DateTimeOffset publishTime, bool withMask, bool withDepth, Func<string, string> companionLocation)
    {
        var maskLocation = withMask ? companionLocation("mask") : null;
        var depthLocation = withDepth ? companionLocation("depth") : null;
        var json = ResultJson.Write(r, publishTime, w =>
        {
            w.WriteStartObject("segmentation");
            SegmentationEncoder.Body(w, r.Segmentation, maskLocation);
            w.WriteEndObject();
            w.WriteStartObject("depth");
            DepthEncoder.Body(w, r.Depth, depthLocation);
            w.WriteEndObject();
            if (r.Pose is { } pose)
            {
                w.WriteStartObject("pose");
                w.WriteString("source", pose.Source switch { PoseSource.Received => "received", PoseSource.Fixed => "fixed", _ => "missing" });
                w.WriteNumber("gap_ms", Math.Round(pose.Gap.TotalMilliseconds, 3));
                w.WriteBoolean("new_trajectory", pose.NewTrajectory);
                w.WriteEndObject();
            }
        });
        var companions = new List<Companion>(2);
        if (withMask)
        {
            companions.Add(new Companion("mask", "image/png", ".png", SegmentationEncoder.MaskPng(r.Segmentation)));
        }
        if (withDepth)
        {
            companions.Add(DepthEncoder.Image(r.Depth));
        }
        return new EncodedResult(json, companions);
    }
}
