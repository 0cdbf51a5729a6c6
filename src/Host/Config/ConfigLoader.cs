using System.Net;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Configuration;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Config;

/// <summary>Loads a config file (or the built-in default) and checks everything that can be checked
/// before starting, so a mistake is one clear message and a non-zero exit, not a half-started service.</summary>
public static class ConfigLoader
{
    public static ServiceConfig Load(string? path, bool requireCameras = true)
    {
        ServiceConfig config;
        if (path is null)
        {
            config = Default();
        }
        else
        {
            if (!File.Exists(path))
            {
                throw new ConfigurationException($"config file '{path}' does not exist. Pass an existing file with --config (config/streamvision.example.yaml is a commented example).");
            }
            config = StrictYaml.Load<ServiceConfig>(path);
            config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            config.SourceName = path;
        }
        Validate(config, requireCameras);
        return config;
    }

    /// <summary>The default run: one synthetic camera, the reference model, the embedded broker.</summary>
    public static ServiceConfig Default() => new()
    {
        Cameras = { new CameraConfig { Id = "synthetic", Url = "synthetic://pattern?width=640&height=360&fps=15" } },
    };

    public static void Validate(ServiceConfig config, bool requireCameras = true)
    {
        var src = config.SourceName;
        ConfigurationException Bad(string key, object? value, string fix) => new($"{src}: '{key}' = '{value}': {fix}");

        if (requireCameras && config.Cameras.Count == 0)
        {
            throw new ConfigurationException($"{src}: 'cameras' is empty; add at least one camera (id and url).");
        }
        var ids = new HashSet<string>();
        for (var i = 0; i < config.Cameras.Count; i++)
        {
            var camera = config.Cameras[i];
            var key = $"cameras[{i}]";
            try
            {
                MqttTopics.Validate(camera.Id, $"{key}.id");
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"{src}: {e.Message}");
            }
            if (!ids.Add(camera.Id))
            {
                throw Bad($"{key}.id", camera.Id, "another camera already has this id; ids must be unique.");
            }
            try
            {
                SourceUrl.Parse(ResolveCameraUrl(config, camera.Url));
            }
            catch (FormatException e)
            {
                throw Bad($"{key}.url", camera.Url, e.Message);
            }
            if (!(camera.Speed > 0))
            {
                throw Bad($"{key}.speed", camera.Speed, "use a positive factor (1 = real time).");
            }
            if (camera.MaxFps is <= 0)
            {
                throw Bad($"{key}.max_fps", camera.MaxFps, "use a positive frame rate, or leave it out to keep every frame.");
            }
            if (camera.Transport is not ("tcp" or "udp"))
            {
                throw Bad($"{key}.transport", camera.Transport, "use tcp or udp.");
            }
            if (!(camera.ConnectTimeoutSeconds > 0))
            {
                throw Bad($"{key}.connect_timeout_seconds", camera.ConnectTimeoutSeconds, "use a positive number of seconds.");
            }
            if (!(camera.StallFrames >= 1))
            {
                throw Bad($"{key}.stall_frames", camera.StallFrames, "use at least 1 frame interval.");
            }
            if (!(camera.Reconnect.InitialDelaySeconds > 0) || camera.Reconnect.MaxDelaySeconds < camera.Reconnect.InitialDelaySeconds)
            {
                throw Bad($"{key}.reconnect", $"{camera.Reconnect.InitialDelaySeconds}..{camera.Reconnect.MaxDelaySeconds}", "initial_delay_seconds must be positive and not above max_delay_seconds.");
            }
            if (camera.Reconnect.MaxAttempts is < 1)
            {
                throw Bad($"{key}.reconnect.max_attempts", camera.Reconnect.MaxAttempts, "use a positive number, or leave it out to retry forever.");
            }
            if (camera.MaxFrames is <= 0)
            {
                throw Bad($"{key}.max_frames", camera.MaxFrames, "use a positive number, or leave it out to read to the end.");
            }
            if (camera.Intrinsics is { } k && (k.Count != 4 || !(k[0] > 0) || !(k[1] > 0)))
            {
                throw Bad($"{key}.intrinsics", $"[{string.Join(", ", k)}]", "give [fx, fy, cx, cy] in pixels of the camera's frames (fx, fy positive).");
            }
            if (camera.Pose is { } pose)
            {
                if (pose.Rotation.Count != 4 || !(Math.Sqrt(pose.Rotation.Sum(v => v * v)) > 1e-6))
                {
                    throw Bad($"{key}.pose.rotation", $"[{string.Join(", ", pose.Rotation)}]", "give a unit quaternion [w, x, y, z] ([1, 0, 0, 0] is no rotation).");
                }
                if (pose.Translation.Count != 3)
                {
                    throw Bad($"{key}.pose.translation", $"[{string.Join(", ", pose.Translation)}]", "give [x, y, z] in metres.");
                }
            }
        }
        foreach (var (name, stage) in OnnxStages(config.Stages))
        {
            if (stage.Threads < 0)
            {
                throw Bad($"stages.{name}.threads", stage.Threads, "use 0 (automatic) or a positive thread count.");
            }
            if (stage.Batch.Size is < 1 or > 64)
            {
                throw Bad($"stages.{name}.batch.size", stage.Batch.Size, "use 1 (each frame on its own) up to 64 frames per run.");
            }
            if (stage.Batch.DeadlineMs is < 0 or > 1000)
            {
                throw Bad($"stages.{name}.batch.deadline_ms", stage.Batch.DeadlineMs, "use 0..1000 ms (a few ms keeps latency low).");
            }
        }
        if (!(config.Stages.Semdepth.Pose.ToleranceMs > 0))
        {
            throw Bad("stages.semdepth.pose.tolerance_ms", config.Stages.Semdepth.Pose.ToleranceMs, "use a positive number of milliseconds (about half the pose rate's interval).");
        }
        var n = config.Stages.Narration;
        if (!(n.IngestFps is > 0 and <= 30))
        {
            throw Bad("stages.narration.ingest_fps", n.IngestFps, "use 0 < fps <= 30 (2 is ProVideLLM's per-frame rate).");
        }
        if (!(n.NarrationIntervalSeconds >= 0))
        {
            throw Bad("stages.narration.narration_interval_seconds", n.NarrationIntervalSeconds, "use 0 (never narrate; questions only) or more seconds.");
        }
        if (!(n.VisualWindowSeconds > 0))
        {
            throw Bad("stages.narration.visual_window_seconds", n.VisualWindowSeconds, "use a positive number of seconds of visual tokens to keep.");
        }
        if (!(n.CameraBudgetMb > 0) || n.TotalBudgetMb < n.CameraBudgetMb)
        {
            throw Bad("stages.narration.camera_budget_mb", n.CameraBudgetMb, "use a positive budget no larger than total_budget_mb.");
        }
        if (n.Verbalizer is not ("structured" or "llm") || n.VerbalizeEverySeconds < 0)
        {
            throw Bad("stages.narration.verbalizer", n.Verbalizer, "use structured (perception facts) or llm (the model writes), and verbalize_every_seconds of 0 or more.");
        }
        if (n.MaxTokens is < 1 or > 4096)
        {
            throw Bad("stages.narration.max_tokens", n.MaxTokens, "use 1..4096 tokens.");
        }
        if (!(n.Temperature >= 0))
        {
            throw Bad("stages.narration.temperature", n.Temperature, "use 0 (greedy) or a positive sampling temperature.");
        }
        if (!(n.Offload.HostMb >= 0))
        {
            throw Bad("stages.narration.offload.host_mb", n.Offload.HostMb, "use 0 (no host tier) or a positive number of MiB.");
        }
        if (!(n.Offload.DiskMb >= 0) || (n.Offload.DiskMb > 0) != (n.Offload.DiskDir.Length > 0))
        {
            throw Bad("stages.narration.offload.disk_mb", n.Offload.DiskMb, "give both offload.disk_dir (a folder the service may empty) and a positive offload.disk_mb, or neither.");
        }
        if (config.Stages.Body.ScoreThreshold is <= 0 or >= 1)
        {
            throw Bad("stages.body.score_threshold", config.Stages.Body.ScoreThreshold, "use a score between 0 and 1.");
        }
        if (!config.Stages.AnyEnabled)
        {
            throw new ConfigurationException($"{src}: every stage is disabled ({string.Join(", ", OnnxStages(config.Stages).Select(s => $"stages.{s.Name}"))}); enable at least one stage.");
        }
        if (config.Stages.Flow.Width is < 16 or > 4096)
        {
            throw Bad("stages.flow.width", config.Stages.Flow.Width, "use 16..4096 pixels (320 is a good start).");
        }
        if (config.Stages.Flow.MovingThreshold < 0)
        {
            throw Bad("stages.flow.moving_threshold", config.Stages.Flow.MovingThreshold, "use 0 or more pixels per frame.");
        }
        if (config.Stages.Detection.ScoreThreshold is <= 0 or >= 1)
        {
            throw Bad("stages.detection.score_threshold", config.Stages.Detection.ScoreThreshold, "use a score between 0 and 1 (0.3 is YOLOX's demo value).");
        }
        if (config.Stages.Detection.NmsIou is <= 0 or > 1)
        {
            throw Bad("stages.detection.nms_iou", config.Stages.Detection.NmsIou, "use an overlap between 0 and 1 (0.45 is usual).");
        }
        if (config.Live.Queue is < 1 or > 64)
        {
            throw Bad("live.queue", config.Live.Queue, "use 1..64 frames (small keeps latency low).");
        }
        if (config.Mqtt.Port is < 1 or > 65535)
        {
            throw Bad("mqtt.port", config.Mqtt.Port, "use a TCP port in 1..65535 (1883 is MQTT's usual port).");
        }
        if (config.Mqtt.Queue < 1)
        {
            throw Bad("mqtt.queue", config.Mqtt.Queue, "use a positive number of messages.");
        }
        if (config.Mqtt.QueueMb < 1)
        {
            throw Bad("mqtt.queue_mb", config.Mqtt.QueueMb, "use a positive number of megabytes for the outgoing queue (default 64).");
        }
        foreach (var (key, qos) in new[] { ("results", config.Mqtt.Qos.Results), ("companions", config.Mqtt.Qos.Companions), ("state", config.Mqtt.Qos.State), ("stats", config.Mqtt.Qos.Stats) })
        {
            if (qos is < 0 or > 2)
            {
                throw Bad($"mqtt.qos.{key}", qos, "use 0 (at most once), 1 (at least once) or 2 (exactly once).");
            }
        }
        if (config.Mqtt.KeepAliveSeconds is < 1 or > 65535)
        {
            throw Bad("mqtt.keep_alive_seconds", config.Mqtt.KeepAliveSeconds, "use 1..65535 seconds.");
        }
        if (config.Mqtt.StatsIntervalSeconds < 0)
        {
            throw Bad("mqtt.stats_interval_seconds", config.Mqtt.StatsIntervalSeconds, "use 0 (off) or a positive number of seconds.");
        }
        if (config.Mqtt.Tls is { } tls)
        {
            foreach (var (key, file) in new[] { ("ca_file", tls.CaFile), ("cert_file", tls.CertFile), ("key_file", tls.KeyFile) })
            {
                if (file is not null && !File.Exists(ResolvePath(config, file)))
                {
                    throw Bad($"mqtt.tls.{key}", file, "the file does not exist; give the path of a PEM file (relative paths are relative to the config file).");
                }
            }
            if ((tls.CertFile is null) != (tls.KeyFile is null))
            {
                throw Bad("mqtt.tls.cert_file", tls.CertFile ?? tls.KeyFile, "a client certificate needs both cert_file and key_file.");
            }
        }
        for (var i = 0; i < config.Mqtt.Embedded.Users.Count; i++)
        {
            var user = config.Mqtt.Embedded.Users[i];
            if (string.IsNullOrEmpty(user.Username) || string.IsNullOrEmpty(user.Password))
            {
                throw Bad($"mqtt.embedded.users[{i}]", user.Username, "every user needs a username and a password.");
            }
        }
        if (config.Mqtt.Embedded.Enabled && !IPAddress.TryParse(config.Mqtt.Embedded.Bind, out _))
        {
            throw Bad("mqtt.embedded.bind", config.Mqtt.Embedded.Bind, "use an IP address: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).");
        }
        if (string.IsNullOrWhiteSpace(config.Mqtt.Host))
        {
            throw Bad("mqtt.host", config.Mqtt.Host, "name the broker's host or IP address.");
        }
        if (string.IsNullOrWhiteSpace(config.Mqtt.ClientId))
        {
            throw Bad("mqtt.client_id", config.Mqtt.ClientId, "give the service an MQTT client id.");
        }
        try
        {
            _ = new MqttTopics(config.Mqtt.Prefix);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"{src}: {e.Message}");
        }
        if (config.Http.Port == -1)
        {
            config.Http.Enabled = false; // as --http-port -1 does
            config.Http.Port = 0;
        }
        if (config.Http.Enabled && !IPAddress.TryParse(config.Http.Bind, out _))
        {
            throw Bad("http.bind", config.Http.Bind, "use an IP address: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).");
        }
        if (config.Http.Port is < 0 or > 65535)
        {
            throw Bad("http.port", config.Http.Port, "use a TCP port in 1..65535, 0 for any free port, or -1 to turn HTTP off.");
        }
        if (!(config.Http.AskTimeoutSeconds > 0))
        {
            throw Bad("http.ask_timeout_seconds", config.Http.AskTimeoutSeconds, "use a positive number of seconds to wait for an answer.");
        }
        if (config.SummaryIntervalSeconds < 0)
        {
            throw Bad("summary_interval_seconds", config.SummaryIntervalSeconds, "use 0 (off) or a positive number of seconds.");
        }
        if (config.LogFormat is not ("text" or "json"))
        {
            throw Bad("log_format", config.LogFormat, "use text or json.");
        }
        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(config.LogLevel, true, out _))
        {
            throw Bad("log_level", config.LogLevel, "use trace, debug, information, warning or error.");
        }
    }

    /// <summary>Every stage section with its key, in the order stages are built.</summary>
    public static IEnumerable<(string Name, OnnxStageConfig Stage)> OnnxStages(StagesConfig stages) =>
    [
        ("segmentation", stages.Segmentation),
        ("detection", stages.Detection),
        ("depth", stages.Depth),
        ("flow", stages.Flow),
        ("semdepth", stages.Semdepth),
        ("body", stages.Body),
        ("narration", stages.Narration),
    ];

    /// <summary>How the ingest layer should read <paramref name="camera"/>.</summary>
    public static Ingest.Sources.SourceOptions SourceOptionsFor(ServiceConfig config, CameraConfig camera, int poolCapacity) =>
        new(camera.Id, ResolveCameraUrl(config, camera.Url), camera.Realtime, camera.Speed, camera.Loop, camera.MaxFrames)
        {
            PoolCapacity = poolCapacity,
            MaxFps = camera.MaxFps,
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
