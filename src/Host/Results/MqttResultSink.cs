using System.Globalization;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Results;

/// <summary>Publishes each result's JSON on &lt;prefix&gt;/&lt;camera&gt;/&lt;task&gt; and each companion on
/// …/&lt;task&gt;/&lt;kind&gt; with its content type and the frame's identity (camera, seq, pts, capture
/// time, model) as MQTT 5 user properties.</summary>
/// <remarks>Each encoded result is also kept as the latest of its camera and stage (<paramref name="latest"/>).</remarks>
public sealed class MqttResultSink(MqttPublisher publisher, MqttTopics topics, ResultEncoding encoding, MqttQos qos, LatestResults? latest = null) : IResultSink
{
    public void Write(StageResult r)
    {
        var encoded = encoding.Encode(r, DateTimeOffset.UtcNow, kind => topics.Companion(r.CameraId, r.Stage, kind));
        if (encoded.Json.Length > 0)
        {
            latest?.Store(r.CameraId, r.Stage, encoded);
            publisher.TryPublish(new OutgoingMessage(topics.Task(r.CameraId, r.Stage), encoded.Json, "application/json", Qos: qos.Results));
        }
        foreach (var extra in encoded.Extras)
        {
            // Events and retained snapshots are state a subscriber acts on: they go at the state QoS.
            publisher.TryPublish(new OutgoingMessage($"{topics.Prefix}/{extra.Topic}", extra.Bytes, extra.ContentType, Retain: extra.Retain, Qos: qos.State,
                UserProperties: extra.UserProperties.Count > 0 ? extra.UserProperties : null));
        }
        foreach (var companion in encoded.Companions)
        {
            publisher.TryPublish(new OutgoingMessage(topics.Companion(r.CameraId, r.Stage, companion.Kind), companion.Bytes, companion.ContentType, Qos: qos.Companions, UserProperties:
            [
                new("camera", r.CameraId),
                new("seq", r.Sequence.ToString(CultureInfo.InvariantCulture)),
                new("pts", r.Pts.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture)),
                new("capture_time", r.CaptureTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
                new("capture_time_source", r.CaptureClock.WireName()),
                new("model", r.ModelId),
            ]));
        }
    }
}
