using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Frigate-style command pairs: a value published on &lt;prefix&gt;/&lt;camera&gt;/&lt;setting&gt;/set is applied
/// and the resulting value echoed, retained, on …/&lt;setting&gt;/state. A refused command (unknown
/// camera or setting, bad value, oversized or non-UTF-8 payload) changes nothing and is answered
/// with a JSON error on the request's MQTT 5 response topic (with its correlation data) or, without
/// one, on …/&lt;setting&gt;/error.
/// </summary>
public sealed class CommandHandler(Pipelines.Graph.Pipeline pipeline, MqttPublisher publisher, MqttSetup mqtt, ILoggerFactory loggers)
{
    /// <summary>Largest command payload taken; a setting's value is a few bytes.</summary>
    public const int MaxPayloadBytes = 256;

    private readonly CameraSettings _settings = new(pipeline);
    private readonly MqttTopics _topics = mqtt.Topics;
    private readonly ILogger _log = loggers.CreateLogger("commands");

    public void Subscribe() => publisher.Subscribe(_topics.AnySettingSet, Handle);

    /// <summary>Publishes every camera's settings on their state topics (retained), so a new subscriber sees them.</summary>
    public void PublishAllStates()
    {
        foreach (var camera in pipeline.Sources.Select(s => s.CameraId))
        {
            foreach (var setting in _settings.Names)
            {
                if (_settings.Get(camera, setting) is { } value)
                {
                    PublishState(camera, setting, value);
                }
            }
        }
    }

    private void Handle(IncomingMessage message)
    {
        // <prefix>/<camera>/<setting>/set
        var rest = message.Topic[(_topics.Prefix.Length + 1)..].Split('/');
        var (camera, setting) = (rest[0], rest[1]);
        try
        {
            if (message.Payload.Length > MaxPayloadBytes)
            {
                throw new ArgumentException($"payload of {message.Payload.Length} bytes refused; a command value is at most {MaxPayloadBytes} bytes.");
            }
            string value;
            try
            {
                value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message.Payload);
            }
            catch (DecoderFallbackException)
            {
                throw new ArgumentException("payload is not UTF-8 text; send the value as text (e.g. ON, OFF, 5).");
            }
            var applied = Apply(camera, setting, value);
            if (message.ResponseTopic is { } reply)
            {
                Reply(reply, message.CorrelationData, new { ok = true, camera, setting, value = applied });
            }
        }
        catch (ArgumentException e)
        {
            _log.LogWarning("command on {Topic} refused: {Message}", message.Topic, e.Message);
            Reply(message.ResponseTopic ?? _topics.SettingError(camera, setting), message.CorrelationData,
                new { ok = false, camera, setting, error = e.Message, time = DateTimeOffset.UtcNow });
        }
    }

    /// <summary>Applies a setting and publishes its new state; throws <see cref="ArgumentException"/>
    /// (nothing changed) for an unknown camera or setting or a bad value.</summary>
    public string Apply(string camera, string setting, string value)
    {
        var applied = _settings.Set(camera, setting, value);
        PublishState(camera, setting, applied);
        _log.LogInformation("camera {Camera}: {Setting} set to {Value}", camera, setting, applied);
        return applied;
    }

    private void PublishState(string camera, string setting, string value)
        => publisher.TryPublish(new OutgoingMessage(_topics.SettingState(camera, setting), Encoding.UTF8.GetBytes(value), "text/plain", Retain: true, Qos: mqtt.Qos.State));

    private void Reply(string topic, byte[]? correlation, object body)
        => publisher.TryPublish(new OutgoingMessage(topic, JsonSerializer.SerializeToUtf8Bytes(body), "application/json", Qos: 1, CorrelationData: correlation));
}
