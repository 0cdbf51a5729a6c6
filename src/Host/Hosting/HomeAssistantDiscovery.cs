using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Home Assistant MQTT discovery (homeassistant.enabled): every camera is a device whose entities
/// read <see cref="EventStates"/>' retained states — a count sensor and a presence binary sensor per
/// class, an occupancy sensor per zone, a total per line and direction, and motion when the flow
/// stage runs. Each config is retained under &lt;discovery_prefix&gt;/&lt;component&gt;/&lt;node&gt;/&lt;object&gt;/config,
/// available while &lt;prefix&gt;/available says online, sent again when Home Assistant's birth
/// message arrives, for cameras added while running, and withdrawn (emptied) for removed ones.
/// </summary>
public sealed class HomeAssistantDiscovery(ServiceConfig config, MqttPublisher publisher, MqttSetup mqtt, Pipeline pipeline, StageSet stages,
    EventStates states, ILoggerFactory loggers) : IHostedService, IDisposable
{
    /// <summary>How often the camera list is compared with what was announced.</summary>
    public static readonly TimeSpan CameraCheck = TimeSpan.FromSeconds(1);

    private readonly ILogger _log = loggers.CreateLogger("homeassistant");
    private readonly Dictionary<string, (List<string> Topics, CameraZones Zones)> _announced = new(StringComparer.Ordinal);
    private readonly string _node = ObjectId(mqtt.Topics.Prefix);
    private Timer? _timer;

    public string StatusTopic => $"{config.HomeAssistant.DiscoveryPrefix}/status";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.HomeAssistant.Enabled)
        {
            return Task.CompletedTask;
        }
        publisher.Subscribe(StatusTopic, message =>
        {
            if (Encoding.UTF8.GetString(message.Payload).Trim() == "online")
            {
                _log.LogInformation("Home Assistant is online: announcing {Count} camera(s) again", _announced.Count);
                Announce(all: true);
            }
        });
        Announce(all: false);
        _timer = new Timer(_ => Announce(all: false), null, CameraCheck, CameraCheck);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Announces cameras not announced yet (every camera when <paramref name="all"/>) and withdraws removed ones.</summary>
    private void Announce(bool all)
    {
        // A timer callback and the birth message: one at a time, and never an exception out of it.
        lock (_announced)
        {
            try
            {
                var cameras = pipeline.Sources.Select(s => s.CameraId).ToList();
                foreach (var camera in cameras)
                {
                    var zones = stages.Zones.GetValueOrDefault(camera, CameraZones.None);
                    // New, or removed and added again with other zones since the last look.
                    var changed = !_announced.TryGetValue(camera, out var before) || !ReferenceEquals(before.Zones, zones);
                    if (!all && !changed)
                    {
                        continue;
                    }
                    var configs = Configs(camera).ToList();
                    foreach (var (topic, json) in configs)
                    {
                        publisher.TryPublish(new OutgoingMessage(topic, json, "application/json", Retain: true, Qos: mqtt.Qos.State));
                    }
                    var topics = configs.Select(c => c.Topic).ToList();
                    Withdraw(before.Topics?.Except(topics) ?? []);
                    _announced[camera] = (topics, zones);
                }
                foreach (var gone in _announced.Keys.Except(cameras).ToList())
                {
                    Withdraw(_announced[gone].Topics);
                    _announced.Remove(gone); // its states were cleared by the removal itself (LiveCameras)
                }
            }
            catch (Exception e)
            {
                _log.LogWarning("Home Assistant discovery: {Message}; trying again in a second", e.Message);
            }
        }
    }

    /// <summary>An empty retained config removes the entity from Home Assistant.</summary>
    private void Withdraw(IEnumerable<string> topics)
    {
        foreach (var topic in topics)
        {
            publisher.TryPublish(new OutgoingMessage(topic, ReadOnlyMemory<byte>.Empty, Retain: true, Qos: mqtt.Qos.State));
        }
    }

    /// <summary>The discovery configs of one camera: (topic, JSON).</summary>
    public IEnumerable<(string Topic, byte[] Json)> Configs(string camera)
    {
        var prefix = mqtt.Topics.Prefix;
        foreach (var label in states.Labels)
        {
            yield return Entity("sensor", camera, $"{label}_count", $"{label} count", $"{prefix}/{EventStates.Count(camera, label)}", w =>
            {
                w.WriteString("state_class", "measurement");
                w.WriteString("icon", label == "person" ? "mdi:account-multiple" : "mdi:shape");
            });
            yield return Entity("binary_sensor", camera, $"{label}_present", $"{label} present", $"{prefix}/{EventStates.Present(camera, label)}", w =>
            {
                w.WriteString("device_class", "occupancy");
                w.WriteString("payload_on", "ON");
                w.WriteString("payload_off", "OFF");
            });
        }
        var zones = stages.Zones.GetValueOrDefault(camera, CameraZones.None);
        foreach (var zone in zones.Zones)
        {
            yield return Entity("sensor", camera, $"zone_{zone.Name}_count", $"{zone.Name} occupancy", $"{prefix}/{EventStates.ZoneCount(camera, zone.Name)}", w =>
            {
                w.WriteString("state_class", "measurement");
                w.WriteString("icon", "mdi:vector-square");
            });
        }
        foreach (var line in zones.Lines)
        {
            foreach (var direction in line.Directions)
            {
                yield return Entity("sensor", camera, $"line_{line.Name}_{direction}", $"{line.Name} {direction}", $"{prefix}/{EventStates.LineTotal(camera, line.Name, direction)}", w =>
                {
                    w.WriteString("state_class", "total_increasing");
                    w.WriteString("icon", "mdi:transit-connection-horizontal");
                });
            }
        }
        if (stages.All.Any(s => s.Name == Pipelines.Flow.FlowStageFactory.StageName))
        {
            yield return Entity("binary_sensor", camera, "motion", "motion", $"{prefix}/{EventStates.Motion(camera)}", w =>
            {
                w.WriteString("device_class", "motion");
                w.WriteString("payload_on", "ON");
                w.WriteString("payload_off", "OFF");
            });
        }
    }

    private (string Topic, byte[] Json) Entity(string component, string camera, string what, string name, string stateTopic, Action<Utf8JsonWriter> extra)
    {
        var objectId = ObjectId($"{camera}_{what}");
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("unique_id", $"streamvision_{_node}_{objectId}");
            w.WriteString("state_topic", stateTopic);
            extra(w);
            w.WriteStartArray("availability");
            w.WriteStartObject();
            w.WriteString("topic", mqtt.Topics.Available);
            // The service says online, offline (its last will) or stopped (a clean stop): only online is available.
            w.WriteString("value_template", "{{ 'online' if value == 'online' else 'offline' }}");
            w.WriteString("payload_available", "online");
            w.WriteString("payload_not_available", "offline");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("device");
            w.WriteStartArray("identifiers");
            w.WriteStringValue($"streamvision_{_node}_{ObjectId(camera)}");
            w.WriteEndArray();
            w.WriteString("name", camera);
            w.WriteString("manufacturer", "StreamVision");
            w.WriteString("model", "camera");
            w.WriteEndObject();
            w.WriteStartObject("origin");
            w.WriteString("name", "StreamVision");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return ($"{config.HomeAssistant.DiscoveryPrefix}/{component}/{_node}/{objectId}/config", buffer.WrittenSpan.ToArray());
    }

    /// <summary>Home Assistant's node and object ids take letters, digits, _ and - only.</summary>
    public static string ObjectId(string text) => new(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
}
