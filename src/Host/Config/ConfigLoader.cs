using System.Collections;
using Microsoft.Extensions.Configuration;
using StreamVision.Host.Config.Sources;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Host.Config;

/// <summary>What the configuration is made of, in the order later sources override earlier ones:
/// the built-in defaults, the YAML file, environment variables, command-line flags.</summary>
public sealed record ConfigInputs
{
    /// <summary>The YAML file (--config); null: the built-in default (a synthetic camera).</summary>
    public string? File { get; init; }

    /// <summary>YAML given as text instead of a file (tests, the REST API), named <see cref="TextName"/> in messages.</summary>
    public string? Text { get; init; }

    public string TextName { get; init; } = "config";

    /// <summary>Environment variables to read STREAMVISION__… keys from; null: the process's own.</summary>
    public IDictionary? Environment { get; init; }

    /// <summary>Keys set by flags ('.'-separated, e.g. mqtt.port), each with the flag that set it.</summary>
    public IReadOnlyList<(string Key, string Value, string Flag)> Flags { get; init; } = [];

    /// <summary>False for commands that take their inputs elsewhere (batch, models).</summary>
    public bool RequireCameras { get; init; } = true;
}

/// <summary>
/// Builds the configuration with Microsoft.Extensions.Configuration from <see cref="ConfigInputs"/>,
/// binds it onto <see cref="ServiceConfig"/> and checks every section's rules before anything
/// starts, so a mistake is one clear message (where it was written, key, value, fix) and a
/// non-zero exit, not a half-started service.
/// </summary>
public static class ConfigLoader
{
    public static ServiceConfig Load(string? path, bool requireCameras = true) => Load(new ConfigInputs { File = path, RequireCameras = requireCameras });

    public static ServiceConfig Load(ConfigInputs inputs)
    {
        var builder = new ConfigurationBuilder();
        var config = new ServiceConfig();
        if (inputs.File is { } path)
        {
            if (!System.IO.File.Exists(path))
            {
                throw new ConfigurationException($"config file '{path}' does not exist. Pass an existing file with --config (config/streamvision.example.yaml is a commented example).");
            }
            builder.Add(new YamlConfigurationSource(System.IO.File.ReadAllText(path), path));
            config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            config.SourceName = path;
        }
        else if (inputs.Text is { } text)
        {
            builder.Add(new YamlConfigurationSource(text, inputs.TextName));
            config.SourceName = inputs.TextName;
        }
        else
        {
            builder.Add(new KeyValueSource(DefaultCamera.Select(kv => (kv.Key, (string?)kv.Value, "built-in default configuration"))));
        }
        builder.Add(KeyValueSource.FromEnvironment(inputs.Environment ?? System.Environment.GetEnvironmentVariables()));
        builder.Add(new KeyValueSource(inputs.Flags.Select(f => (ConfigOrigins.PathOf(f.Key), (string?)f.Value, $"command line ({f.Flag})"))));
        var root = builder.Build();
        config.Origins = new ConfigOrigins(root, config.SourceName);
        var binder = new ConfigBinder(config.Origins);
        binder.Bind(root, config);
        config.Deprecations.AddRange(binder.Deprecations);
        Validate(config, inputs.RequireCameras);
        return config;
    }

    private static readonly Dictionary<string, string> DefaultCamera = new()
    {
        ["cameras:0:id"] = "synthetic",
        ["cameras:0:url"] = "synthetic://pattern?width=640&height=360&fps=15",
    };

    /// <summary>The default run: one synthetic camera, the reference model, the embedded broker.</summary>
    public static ServiceConfig Default() => new()
    {
        Cameras = { new CameraConfig { Id = DefaultCamera["cameras:0:id"], Url = DefaultCamera["cameras:0:url"] } },
    };

    /// <summary>Settles what one value means for another (http.port -1 turns HTTP off, as --http-port -1
    /// does), then runs every section's rules; the first broken one is the error, named where it was written.</summary>
    public static void Validate(ServiceConfig config, bool requireCameras = true)
    {
        if (config.Http.Port == -1)
        {
            config.Http.Enabled = false;
            config.Http.Port = 0;
        }
        if (new ServiceRules(config, requireCameras).Check(config, "").FirstOrDefault() is { } problem)
        {
            throw new ConfigurationException($"{config.Origins?.Of(problem.Key) ?? config.SourceName}: {problem.Message}");
        }
    }

    /// <summary>Every stage section with its key, in the order stages are built.</summary>
    public static IEnumerable<(string Name, OnnxStageConfig Stage)> OnnxStages(StagesConfig stages) =>
    [
        ("segmentation", stages.Segmentation),
        ("detection", stages.Detection),
        ("depth", stages.Depth),
        ("flow", stages.Flow),
        ("semdepth", stages.SemDepth),
        ("body", stages.Body),
        ("videollm", stages.VideoLlm),
    ];

    /// <summary>How the ingest layer should read <paramref name="camera"/>.</summary>
    public static Ingest.Sources.SourceOptions SourceOptionsFor(ServiceConfig config, CameraConfig camera, int poolCapacity) =>
        new(camera.Id, ResolveCameraUrl(config, camera.Url), camera.Realtime, camera.Speed, camera.Loop, camera.MaxFrames)
        {
            PoolCapacity = poolCapacity,
            MaxFps = camera.MaxFps,
            SourceClock = camera.CaptureClock == "source",
            Ffmpeg = new Ingest.Sources.FfmpegSettings
            {
                Transport = camera.Transport,
                HardwareAcceleration = camera.Hwaccel,
                ConnectTimeout = TimeSpan.FromSeconds(camera.ConnectTimeoutSeconds),
                StallFrames = camera.StallFrames,
            },
            Reconnect = new Ingest.Sources.ReconnectPolicy
            {
                InitialDelay = TimeSpan.FromSeconds(camera.Reconnect.InitialDelaySeconds),
                MaxDelay = TimeSpan.FromSeconds(camera.Reconnect.MaxDelaySeconds),
                MaxAttempts = camera.Reconnect.MaxAttempts,
            },
        };

    /// <summary>Relative file paths in a config file are relative to that file's folder.</summary>
    public static string ResolveCameraUrl(ServiceConfig config, string url)
        => url.Contains("://", StringComparison.Ordinal) || Path.IsPathRooted(url) ? url : Path.GetFullPath(Path.Combine(config.BaseDirectory, url));

    public static string ResolvePath(ServiceConfig config, string path)
        => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(config.BaseDirectory, path));
}
