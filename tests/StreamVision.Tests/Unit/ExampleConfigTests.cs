using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>The example config is the reference users read: every key the loader accepts is in it,
/// set or commented, under its own section.</summary>
public sealed class ExampleConfigTests
{
    [Fact]
    public void Every_key_the_loader_accepts_appears_in_the_example_config()
    {
        var example = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "config", "streamvision.example.yaml"));
        var missing = Keys(typeof(ServiceConfig), "")
            .Where(key => !Regex.IsMatch(example, $@"(?m)^[ \t]*(#[ \t]*)*(- )?{Regex.Escape(key[(key.LastIndexOf('.') + 1)..])}:"))
            .ToList();
        Assert.True(missing.Count == 0, "keys missing from config/streamvision.example.yaml: " + string.Join(", ", missing));
    }

    /// <summary>The YAML keys of a config class, dotted, as the loader names them (snake_case).</summary>
    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var (name, property) in StrictYaml.KeysOf(type).Where(k => StrictYaml.KeyOf(k.Value) == k.Key))
        {
            var key = prefix + name;
            yield return key;
            var inner = property.PropertyType;
            if (inner != typeof(string) && typeof(IEnumerable).IsAssignableFrom(inner) && inner.IsGenericType)
            {
                inner = inner.GetGenericArguments()[^1];
            }
            if (inner.IsClass && inner != typeof(string) && inner.Namespace?.StartsWith("StreamVision", StringComparison.Ordinal) == true)
            {
                foreach (var nested in Keys(inner, key + "."))
                {
                    yield return nested;
                }
            }
        }
    }
}
