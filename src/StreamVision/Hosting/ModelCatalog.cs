using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;

namespace StreamVision.Host.Hosting;

/// <summary>Finds manifests and model files: the models folder shipped with the executable first,
/// then the configured search paths, then $STREAMVISION_MODELS (colon-separated).</summary>
public static class ModelCatalog
{
    public static string BuiltInDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    public static IReadOnlyList<string> SearchPaths(ServiceConfig config)
    {
        var paths = new List<string> { BuiltInDirectory };
        paths.AddRange(config.Models.SearchPaths.Select(p => ConfigLoader.ResolvePath(config, p)));
        var env = Environment.GetEnvironmentVariable("STREAMVISION_MODELS");
        if (!string.IsNullOrWhiteSpace(env))
        {
            paths.AddRange(env.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }
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
        throw new ConfigurationException($"{config.SourceName}: '{key}' = '{model}': no manifest '{model}.yaml' in {string.Join(", ", searched)}. Use a known model id or a path to a manifest file.");
    }

    public static OnnxModel LoadModel(string model, ServiceConfig config, string key, int threads)
    {
        var manifest = LoadManifest(model, config, key);
        return OnnxModel.Load(manifest, SearchPaths(config), threads);
    }
}
