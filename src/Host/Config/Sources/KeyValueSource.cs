using Microsoft.Extensions.Configuration;

namespace StreamVision.Host.Config.Sources;

/// <summary>Keys given one by one, each with where it came from: the built-in defaults, the
/// command line's flags, or the environment (<see cref="FromEnvironment"/>).</summary>
public sealed class KeyValueSource(IEnumerable<(string Key, string? Value, string Origin)> entries) : IConfigurationSource
{
    /// <summary>The prefix of environment variables that set config keys: STREAMVISION__MQTT__PASSWORD
    /// sets mqtt.password, STREAMVISION__CAMERAS__0__URL the first camera's url ('__' separates levels).</summary>
    public const string EnvironmentPrefix = "STREAMVISION__";

    public static KeyValueSource FromEnvironment(System.Collections.IDictionary variables) => new(
        variables.Keys.Cast<object>().Select(k => k.ToString()!)
            .Where(name => name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            .Order(StringComparer.Ordinal)
            .Select(name => (name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), variables[name]?.ToString(), $"environment variable {name}")));

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(entries.ToList());

    private sealed class Provider(List<(string Key, string? Value, string Origin)> entries) : ConfigurationProvider, IConfigOrigin
    {
        private readonly Dictionary<string, string> _origins = new(StringComparer.OrdinalIgnoreCase);

        public override void Load()
        {
            foreach (var (key, value, origin) in entries)
            {
                Data[key] = value;
                _origins[key] = origin;
            }
        }

        public string? OriginOf(string key) => _origins.TryGetValue(key, out var origin)
            ? origin
            : _origins.Where(o => o.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)).Select(o => o.Value).FirstOrDefault();
    }
}
