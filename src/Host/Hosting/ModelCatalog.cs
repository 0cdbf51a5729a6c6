using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;

namespace StreamVision.Host.Hosting;

/// <summary>Finds manifests and model files: the models folder shipped with the executable first,
/// then the configured search paths, then $STREAMVISION_MODELS (colon-separated), then the user
/// model folder that <c>streamvision models pull</c> installs into.</summary>
public static class ModelCatalog
{
    public static string BuiltInDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Where pulled models go: $XDG_DATA_HOME/streamvision/models (~/.local/share/…).</summary>
    public static string UserDirectory
    {
        get
        {
            var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrEmpty(data))
            {
                data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }
            return Path.Combine(data, "streamvision", "models");
        }
    }

    public static IReadOnlyList<string> SearchPaths(ServiceConfig config)
    {
        var paths = new List<string> { BuiltInDirectory };
        paths.AddRange(config.Models.SearchPaths.Select(p => ConfigLoader.ResolvePath(config, p)));
        var env = Environment.GetEnvironmentVariable("STREAMVISION_MODELS");
        if (!string.IsNullOrWhiteSpace(env))
        {
            paths.AddRange(env.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }
        paths.Add(UserDirectory);
        return paths;
    }

    /// <summary>Reads the manifest named by <paramref name="model"/>: a path to a .yaml file, or a
    /// model id whose <c>&lt;id&gt;.yaml</c> is in a search path.</summary>
    public static ModelManifest LoadManifest(string model, ServiceConfig config, string key)
    {
        if (model.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || model.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || model.Contains('/'))
        {
            var path = ConfigLoader.ResolvePath(config, model);
            if (!File.Exists(path))
            {
                throw new ConfigurationException($"{config.SourceName}: '{key}' = '{model}': manifest file '{path}' does not exist. Give a manifest path or a model id (streamvision models list).");
            }
            return ManifestLoader.Load(path);
        }
        var searched = SearchPaths(config);
        foreach (var dir in searched)
        {
            var candidate = Path.Combine(dir, model + ".yaml");
            if (File.Exists(candidate))
            {
                return ManifestLoader.Load(candidate);
            }
        }
        var unreadable = searched.Select(ReadAccess.FolderProblem).OfType<string>().ToList();
        throw new ConfigurationException($"{config.SourceName}: '{key}' = '{model}': no manifest '{model}.yaml' in {string.Join(", ", searched)}. "
            + (unreadable.Count > 0 ? string.Join(" ", unreadable) + " Otherwise use" : "Use") + " a known model id or a path to a manifest file.");
    }

    /// <summary>Every manifest in the search paths (first one wins for an id).</summary>
    /// <param name="broken">Receives why a .yaml that looks like a manifest could not be read.</param>
    public static IReadOnlyList<ModelManifest> AllManifests(ServiceConfig config, List<string>? broken = null)
    {
        var found = new Dictionary<string, ModelManifest>();
        foreach (var dir in SearchPaths(config))
        {
            if (ReadAccess.FolderProblem(dir) is { } problem)
            {
                broken?.Add(problem);
                continue;
            }
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var file in Directory.GetFiles(dir, "*.yaml").Order())
            {
                try
                {
                    var manifest = ManifestLoader.Load(file);
                    found.TryAdd(manifest.Id, manifest);
                }
                catch (ConfigurationException e)
                {
                    // Other YAML files (configs) may share a folder; only report files that say they are manifests
                    // (or that cannot be read at all).
                    if (e.InnerException is UnauthorizedAccessException or IOException
                        || File.ReadLines(file).Any(l => l.StartsWith("task:", StringComparison.Ordinal)))
                    {
                        broken?.Add(e.Message);
                    }
                }
            }
        }
        return found.Values.OrderBy(m => m.Id).ToList();
    }

    /// <summary>The installed model file for <paramref name="manifest"/>, or null.</summary>
    public static string? InstalledFile(ModelManifest manifest, ServiceConfig config)
    {
        try
        {
            return ManifestLoader.ResolveModelFile(manifest, SearchPaths(config));
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    public static OnnxModel LoadModel(string model, ServiceConfig config, string key, int threads, IReadOnlyList<ExecutionProvider>? providers = null, BatchOptions? batch = null, GpuSettings? gpu = null)
    {
        var manifest = LoadManifest(model, config, key);
        return OnnxModel.Load(manifest, SearchPaths(config), threads, providers, batch, gpu);
    }
}
