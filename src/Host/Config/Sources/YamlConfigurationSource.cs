using Microsoft.Extensions.Configuration;
using StreamVision.Pipelines.Configuration;
using YamlDotNet.RepresentationModel;

namespace StreamVision.Host.Config.Sources;

/// <summary>The YAML config file as a Microsoft.Extensions.Configuration source. The file is checked
/// against <see cref="ServiceConfig"/> first (unknown keys with "did you mean", wrong types, each with
/// its line), then flattened to keys such as <c>mqtt:port</c> and <c>cameras:0:url</c>.</summary>
public sealed class YamlConfigurationSource(string text, string sourceName) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(text, sourceName);

    private sealed class Provider(string text, string sourceName) : ConfigurationProvider, IConfigOrigin
    {
        private readonly Dictionary<string, long> _lines = new(StringComparer.OrdinalIgnoreCase);

        public override void Load()
        {
            if (StrictYaml.ParseChecked<ServiceConfig>(text, sourceName) is { } root)
            {
                Flatten(root, "");
            }
        }

        private void Flatten(YamlNode node, string path)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        var childPath = Join(path, ((YamlScalarNode)key).Value ?? "");
                        _lines[childPath] = key.Start.Line; // a section's line is where its key is written
                        Flatten(value, childPath);
                    }
                    break;
                case YamlSequenceNode { Children.Count: 0 }:
                    Data[path] = ""; // an empty list ([]), which the binder tells from a list not given
                    _lines[path] = node.Start.Line;
                    break;
                case YamlSequenceNode list:
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        var itemPath = Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        _lines[itemPath] = list.Children[i].Start.Line;
                        Flatten(list.Children[i], itemPath);
                    }
                    break;
                case YamlScalarNode scalar:
                    Data[path] = scalar.Value is null or "" or "~" or "null" && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? null : scalar.Value;
                    _lines.TryAdd(path, node.Start.Line); // list items have no key line
                    break;
            }
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}:{key}";

        public string? OriginOf(string key)
        {
            if (_lines.TryGetValue(key, out var line))
            {
                return $"{sourceName} line {line}";
            }
            var under = _lines.Where(l => l.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l.Value).DefaultIfEmpty(-1).Min();
            return under >= 0 ? $"{sourceName} line {under}" : null;
        }
    }
}
