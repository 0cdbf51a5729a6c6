using YamlDotNet.Serialization;

namespace StreamVision.Host.Config;

/// <summary>The service configuration as written in YAML (snake_case keys). See config/streamvision.example.yaml.</summary>
public sealed class ServiceConfig
{
    public List<CameraConfig> Cameras { get; set; } = new();
    public StagesConfig Stages { get; set; } = new();
    public ModelsConfig Models { get; set; } = new();
    public MqttConfig Mqtt { get; set; } = new();
    public LiveConfig Live { get; set; } = new();
    public HttpConfig Http { get; set; } = new();

    [YamlMember(Alias = "homeassistant")]
    public HomeAssistantConfig HomeAssistant { get; set; } = new();

    /// <summary>Seconds between summary lines; 0 turns them off.</summary>
    public double SummaryIntervalSeconds { get; set; } = 1;

    /// <summary>trace, debug, information, warning, error.</summary>
    public string LogLevel { get; set; } = "information";

    /// <summary>text (one readable line) or json (one JSON object per line, for log collectors).</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>Folder relative paths in this file are resolved against (not part of the file).</summary>
    [YamlIgnore]
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    [YamlIgnore]
    public string SourceName { get; set; } = "built-in default configuration";

    /// <summary>Where each key's value came from (file and line, environment variable, flag), for messages.</summary>
    [YamlIgnore]
    public Sources.ConfigOrigins? Origins { get; set; }

    /// <summary>Deprecated keys the sources used, each with its new name (logged as warnings at start).</summary>
    [YamlIgnore]
    public List<string> Deprecations { get; set; } = new();
}

public sealed class ModelsConfig
{
    /// <summary>Folders searched for manifests (by id) and model files, after the built-in models folder.</summary>
    public List<string> SearchPaths { get; set; } = new();
}

public sealed class LiveConfig
{
    /// <summary>Frames that may wait in front of each stage per camera before the oldest is dropped.</summary>
    public int Queue { get; set; } = 1;
}

/// <summary>The whole file: cameras present with unique ids, then every section's own rules, in the
/// order of the file.</summary>
public sealed class ServiceRules(ServiceConfig root, bool requireCameras = true) : SectionRules<ServiceConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(ServiceConfig config, string key)
    {
        if (requireCameras && config.Cameras.Count == 0)
        {
            yield return new ConfigProblem("cameras", "'cameras' is empty; add at least one camera (id and url).");
        }
        var ids = new HashSet<string>();
        var cameraRules = new CameraRules(config);
        for (var i = 0; i < config.Cameras.Count; i++)
        {
            foreach (var problem in cameraRules.Check(config.Cameras[i], $"cameras[{i}]"))
            {
                yield return problem;
            }
            if (!ids.Add(config.Cameras[i].Id))
            {
                yield return ConfigProblem.Bad($"cameras[{i}].id", config.Cameras[i].Id, "another camera already has this id; ids must be unique.");
            }
        }
        var sections = new StagesRules(config).Check(config.Stages, "stages")
            .Concat(new MqttRules(config).Check(config.Mqtt, "mqtt"))
            .Concat(new HttpRules(config).Check(config.Http, "http"))
            .Concat(config.HomeAssistant.Check(config, "homeassistant"));
        foreach (var problem in sections)
        {
            yield return problem;
        }
        if (config.Live.Queue is < 1 or > 64)
        {
            yield return ConfigProblem.Bad("live.queue", config.Live.Queue, "use 1..64 frames (small keeps latency low).");
        }
        if (config.SummaryIntervalSeconds < 0)
        {
            yield return ConfigProblem.Bad("summary_interval_seconds", config.SummaryIntervalSeconds, "use 0 (off) or a positive number of seconds.");
        }
        if (config.LogFormat is not ("text" or "json"))
        {
            yield return ConfigProblem.Bad("log_format", config.LogFormat, "use text or json.");
        }
        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(config.LogLevel, true, out _))
        {
            yield return ConfigProblem.Bad("log_level", config.LogLevel, "use trace, debug, information, warning or error.");
        }
    }
}
