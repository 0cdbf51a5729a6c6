using Microsoft.Extensions.Logging;
using StreamVision.Pipelines.Pose;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>Feeds poses published on &lt;prefix&gt;/&lt;camera&gt;/pose into the pose board. A bad
/// message is logged (a warning the first time per camera) and dropped; nothing else changes.</summary>
public static class PoseListener
{
    /// <summary>Largest pose message taken; anything bigger is not a pose.</summary>
    public const int MaxPayloadBytes = 4096;

    public static void Subscribe(MqttPublisher publisher, MqttTopics topics, PoseBoard poses, Func<string, bool> isCamera, PoseClock clock, ILogger log)
    {
        var warned = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        publisher.Subscribe(topics.AnyPose, message =>
        {
            var camera = topics.CameraOf(message.Topic);
            if (camera is null || !isCamera(camera))
            {
                return;
            }
            try
            {
                if (message.Payload.Length > MaxPayloadBytes)
                {
                    throw new FormatException($"{message.Payload.Length} bytes is more than a pose message may hold ({MaxPayloadBytes})");
                }
                poses.Add(camera, PoseMessage.Parse(message.Payload, clock));
            }
            catch (FormatException e)
            {
                var level = warned.TryAdd(camera, true) ? LogLevel.Warning : LogLevel.Debug;
                log.Log(level, "pose for camera {Camera} on {Topic} ignored: {Message}. See docs/MQTT.md for the pose message.", camera, message.Topic, e.Message);
            }
        });
    }
}
