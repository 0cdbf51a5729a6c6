using System.Globalization;
using System.Text;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Each camera's steady state as small retained messages, sent only when it changes (what Home
/// Assistant's entities and dashboards read): objects by class (&lt;camera&gt;/&lt;label&gt;/count and
/// …/present ON/OFF), zone occupancy (&lt;camera&gt;/zones/&lt;zone&gt;/count), line totals
/// (&lt;camera&gt;/lines/&lt;line&gt;/&lt;direction&gt;) and, when the flow stage runs, motion
/// (&lt;camera&gt;/motion ON/OFF). A result sink.
/// </summary>
public sealed class EventStates(MqttPublisher publisher, MqttSetup mqtt, IReadOnlyList<string> labels) : IResultSink
{
    /// <summary>Fraction of the picture that must move for motion (flow stage).</summary>
    public const double MotionFraction = 0.01;

    /// <summary>Motion stays ON this long after the last moving frame, so a pause in a walk is not two motions.</summary>
    public static readonly TimeSpan MotionHold = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, string> _sent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastMotion = new(StringComparer.Ordinal);

    /// <summary>Removed cameras: their results still on the way must not bring their states back.</summary>
    private readonly HashSet<string> _forgotten = new(StringComparer.Ordinal);

    /// <summary>Classes with count and presence states: homeassistant.labels, else stages.events.labels,
    /// else stages.detection.classes, else person.</summary>
    public static IReadOnlyList<string> LabelsOf(ServiceConfig config)
        => new[] { config.HomeAssistant.Labels, config.Stages.Events.Labels, config.Stages.Detection.Classes }.FirstOrDefault(l => l.Count > 0) ?? ["person"];

    public IReadOnlyList<string> Labels => labels;

    public static string Count(string camera, string label) => $"{camera}/{label}/count";
    public static string Present(string camera, string label) => $"{camera}/{label}/present";
    public static string ZoneCount(string camera, string zone) => $"{camera}/zones/{zone}/count";
    public static string LineTotal(string camera, string line, string direction) => $"{camera}/lines/{line}/{direction}";
    public static string Motion(string camera) => $"{camera}/motion";

    public void Write(StageResult result)
    {
        // Under the lock as a whole: a Forget from another thread never slips between the check and a publish.
        lock (_sent)
        {
            if (!_forgotten.Contains(result.CameraId))
            {
                Update(result);
            }
        }
    }

    private void Update(StageResult result)
    {
        var camera = result.CameraId;
        switch (result)
        {
            case EventsResult e:
                foreach (var label in labels)
                {
                    var count = e.Present.GetValueOrDefault(label);
                    Set(Count(camera, label), count.ToString(CultureInfo.InvariantCulture));
                    Set(Present(camera, label), count > 0 ? "ON" : "OFF");
                }
                foreach (var zone in e.Zones)
                {
                    Set(ZoneCount(camera, zone.Name), zone.Count.ToString(CultureInfo.InvariantCulture));
                }
                foreach (var line in e.Lines)
                {
                    foreach (var (direction, total) in line.Totals)
                    {
                        Set(LineTotal(camera, line.Name, direction), total.ToString(CultureInfo.InvariantCulture));
                    }
                }
                break;
            case FlowResult { HasPrevious: true } f:
                if (f.Summary.MovingFraction >= MotionFraction)
                {
                    _lastMotion[camera] = f.CaptureTime;
                }
                var moving = _lastMotion.TryGetValue(camera, out var last) && f.CaptureTime - last <= MotionHold;
                Set(Motion(camera), moving ? "ON" : "OFF");
                break;
        }
    }

    /// <summary>A camera (again) running: its states are sent.</summary>
    public void Track(string camera)
    {
        lock (_sent)
        {
            _forgotten.Remove(camera);
        }
    }

    /// <summary>Clears a removed camera's retained states; its results still on the way are ignored.</summary>
    public void Forget(string camera)
    {
        List<string> topics;
        lock (_sent)
        {
            _forgotten.Add(camera);
            _lastMotion.Remove(camera);
            topics = _sent.Keys.Where(t => t.StartsWith(camera + "/", StringComparison.Ordinal)).ToList();
            topics.ForEach(t => _sent.Remove(t));
        }
        foreach (var topic in topics)
        {
            publisher.TryPublish(new OutgoingMessage($"{mqtt.Topics.Prefix}/{topic}", ReadOnlyMemory<byte>.Empty, Retain: true, Qos: mqtt.Qos.State));
        }
    }

    /// <summary>Publishes a state that changed (called under the lock).</summary>
    private void Set(string topic, string payload)
    {
        if (_sent.TryGetValue(topic, out var sent) && sent == payload)
        {
            return;
        }
        _sent[topic] = payload;
        publisher.TryPublish(new OutgoingMessage($"{mqtt.Topics.Prefix}/{topic}", Encoding.UTF8.GetBytes(payload), "text/plain", Retain: true, Qos: mqtt.Qos.State));
    }
}
