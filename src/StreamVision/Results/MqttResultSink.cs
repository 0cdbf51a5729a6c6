using StreamVision.Pipelines.Segmentation;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Results;

/// <summary>Publishes each segmentation result as JSON on &lt;prefix&gt;/&lt;camera&gt;/segmentation and,
/// when enabled, its mask PNG on …/segmentation/mask with content type and frame user properties.</summary>
public sealed class MqttResultSink(MqttPublisher publisher, MqttTopics topics, bool publishMask) : IResultSink
{
    public void Write(SegmentationResult r)
    {
        var maskTopic = publishMask ? topics.Companion(r.CameraId, r.Stage, "mask") : null;
        var json = SegmentationEncoder.Json(r, DateTimeOffset.UtcNow, maskTopic);
        publisher.TryPublish(new OutgoingMessage(topics.Task(r.CameraId, r.Stage), json, "application/json"));
        if (maskTopic is not null)
        {
            var png = SegmentationEncoder.MaskPng(r);
            publisher.TryPublish(new OutgoingMessage(maskTopic, png, "image/png", UserProperties:
            [
                new("camera", r.CameraId),
                new("seq", r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("pts", r.Pts.TotalSeconds.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)),
                new("model", r.ModelId),
            ]));
        }
    }
}
