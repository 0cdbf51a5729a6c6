using System.CommandLine;
using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Host.Cli;

/// <summary>
/// The flags that feed the configuration, shared by the commands: --config (the YAML file) and
/// --set KEY=VALUE (any key, e.g. --set mqtt.port=1884 --set cameras[0].url=rtsp://…), which with
/// the environment (STREAMVISION__MQTT__PORT) and the shortcuts below are sources of one
/// Microsoft.Extensions.Configuration, applied in this order: defaults, file, environment, flags.
/// </summary>
internal sealed class ConfigFlags(TextWriter warnings)
{
    public Option<string?> File { get; } = new("--config") { Description = "YAML config file (default: built-in synthetic camera + reference model + embedded broker)." };
    public Option<string[]> Set { get; } = new("--set") { Description = "Set a config key: --set mqtt.port=1884 (repeatable; overrides the file and STREAMVISION__… environment variables)." };
    public Option<string[]> ModelsDir { get; } = new("--models-dir") { Description = "Extra folder with model manifests and files (repeatable)." };
    public Option<string?> Model { get; } = new("--model") { Description = "Segmentation model: a model id or a manifest path (sets stages.segmentation.model)." };
    public Option<bool> Detect { get; } = new("--detect") { Description = "Also run object detection (sets stages.detection.enabled; YOLOX, persons by default)." };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Set);
        command.Options.Add(Model);
        command.Options.Add(ModelsDir);
        command.Options.Add(Detect);
    }

    /// <summary>The configuration these flags (plus <paramref name="more"/>: a command's own shortcuts) describe, loaded and checked.</summary>
    public ServiceConfig Load(ParseResult parse, bool requireCameras, params (string Key, string? Value, string Flag)[] more)
    {
        var flags = new List<(string, string, string)>();
        foreach (var pair in parse.GetValue(Set) ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ConfigurationException($"--set '{pair}': write KEY=VALUE, e.g. --set mqtt.port=1884 or --set cameras[0].url=rtsp://host/stream.");
            }
            flags.Add((pair[..equals].Trim(), pair[(equals + 1)..], $"--set {pair[..equals].Trim()}"));
        }
        if (parse.GetValue(Model) is { } model)
        {
            flags.Add(("stages.segmentation.model", model, "--model"));
        }
        if (parse.GetValue(Detect))
        {
            flags.Add(("stages.detection.enabled", "true", "--detect"));
        }
        flags.AddRange(more.Where(m => m.Value is not null).Select(m => (m.Key, m.Value!, m.Flag)));
        var config = ConfigLoader.Load(new ConfigInputs { File = parse.GetValue(File), Flags = flags, RequireCameras = requireCameras });
        foreach (var deprecation in config.Deprecations)
        {
            warnings.WriteLine($"streamvision: warning: {deprecation}");
        }
        // Folders given on the command line are relative to where the command runs, not to the config file.
        config.Models.SearchPaths.AddRange((parse.GetValue(ModelsDir) ?? []).Select(Path.GetFullPath));
        return config;
    }
}
