namespace StreamVision.Host.Config;

/// <summary>Home Assistant MQTT discovery (homeassistant): each camera becomes a device with object
/// counts, presence, zone occupancy, line counts and motion, announced under the discovery prefix.</summary>
public sealed class HomeAssistantConfig
{
    public bool Enabled { get; set; }

    /// <summary>Home Assistant's discovery prefix (its MQTT integration's setting; homeassistant by default).
    /// Its birth message on &lt;discovery_prefix&gt;/status makes the service announce everything again.</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>Classes that get count and presence entities; empty: stages.events.labels, else
    /// stages.detection.classes, else person.</summary>
    public List<string> Labels { get; set; } = new();

    internal IEnumerable<ConfigProblem> Check(ServiceConfig root, string key)
    {
        if (!Enabled)
        {
            yield break;
        }
        string? wrong = null;
        try
        {
            Publish.Mqtt.MqttTopics.Validate(DiscoveryPrefix, $"{key}.discovery_prefix", allowSlash: true);
        }
        catch (ArgumentException e)
        {
            wrong = e.Message;
        }
        if (wrong is not null)
        {
            yield return new ConfigProblem($"{key}.discovery_prefix", wrong);
        }
        if (!root.Stages.Events.Runs(root.Stages))
        {
            yield return ConfigProblem.Bad($"{key}.enabled", true, "Home Assistant's entities come from the events stage: enable stages.detection with tracking (and leave stages.events on).");
        }
    }
}
