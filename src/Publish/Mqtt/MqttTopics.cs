namespace StreamVision.Publish.Mqtt;

/// <summary>
/// The topic layout, in one place: <c>&lt;prefix&gt;/available</c> (retained online, stopped on a clean stop, last will
/// offline), <c>&lt;prefix&gt;/&lt;camera&gt;/status</c> (retained) and <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;task&gt;</c> with binary companions under
/// <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;task&gt;/&lt;kind&gt;</c>.
/// </summary>
public sealed class MqttTopics
{
    public MqttTopics(string prefix)
    {
        Validate(prefix, "mqtt.prefix", allowSlash: true);
        Prefix = prefix.TrimEnd('/');
    }

    public string Prefix { get; }

    public string Available => $"{Prefix}/available";

    /// <summary>Retained camera state (connecting, streaming, reconnecting, failed, ended).</summary>
    public string CameraStatus(string camera) => $"{Prefix}/{camera}/status";

    /// <summary>Where a camera's platform publishes its pose (odometry) for pose-taking models.</summary>
    public string Pose(string camera) => $"{Prefix}/{camera}/pose";

    /// <summary>Every camera's pose topic.</summary>
    public string AnyPose => $"{Prefix}/+/pose";

    /// <summary>The camera id in a topic of this layout (&lt;prefix&gt;/&lt;camera&gt;/…), or null.</summary>
    public string? CameraOf(string topic)
    {
        if (!topic.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = topic.AsSpan(Prefix.Length + 1);
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash].ToString() : null;
    }

    /// <summary>A camera setting's command topic (…/&lt;setting&gt;/set) and where its value is echoed (…/state, retained).</summary>
    public string SettingSet(string camera, string setting) => $"{Prefix}/{camera}/{setting}/set";

    public string SettingState(string camera, string setting) => $"{Prefix}/{camera}/{setting}/state";

    /// <summary>Where a refused command is answered (…/&lt;setting&gt;/error) when it names no response topic.</summary>
    public string SettingError(string camera, string setting) => $"{Prefix}/{camera}/{setting}/error";

    /// <summary>Every camera setting's command topic.</summary>
    public string AnySettingSet => $"{Prefix}/+/+/set";

    /// <summary>Periodic service statistics.</summary>
    public string Stats => $"{Prefix}/stats";

    /// <summary>Topics the service listens to: only clients allowed to command may publish there.</summary>
    public IReadOnlyList<string> InputFilters => [AnySettingSet, AnyPose, $"{Prefix}/+/ask"];

    public string Task(string camera, string task) => $"{Prefix}/{camera}/{task}";

    public string Companion(string camera, string task, string kind) => $"{Prefix}/{camera}/{task}/{kind}";

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="level"/> cannot be used in a topic.</summary>
    public static void Validate(string level, string what, bool allowSlash = false)
    {
        if (string.IsNullOrWhiteSpace(level))
        {
            throw new ArgumentException($"{what} is empty; MQTT topics need a name here.");
        }
        if (level.IndexOfAny(['+', '#', '\0']) >= 0 || (!allowSlash && level.Contains('/')))
        {
            throw new ArgumentException($"{what} '{level}' contains a character not allowed in an MQTT topic level (+ # {(allowSlash ? "" : "/ ")}or NUL); use letters, digits, '-' and '_'.");
        }
    }
}
