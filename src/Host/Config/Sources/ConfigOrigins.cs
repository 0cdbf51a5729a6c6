using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace StreamVision.Host.Config.Sources;

/// <summary>Where the value of a key in the resolved configuration came from: the last source that
/// set it (sources are read in order; a later one overrides an earlier one).</summary>
public sealed partial class ConfigOrigins(IConfigurationRoot? root, string fallback)
{
    /// <summary>The origin of a key written as in messages (<c>cameras[0].url</c>, <c>mqtt.port</c>).</summary>
    public string Of(string key)
    {
        var path = PathOf(key);
        return root?.Providers.Reverse().OfType<IConfigOrigin>().Select(p => p.OriginOf(path)).FirstOrDefault(o => o is not null) ?? fallback;
    }

    /// <summary>Whether the last source to say anything about the list <paramref name="key"/> said it
    /// is empty (<c>[]</c> in YAML, an empty variable) rather than giving items.</summary>
    public bool EmptiedLast(string key)
    {
        var path = PathOf(key);
        foreach (var provider in root?.Providers.Reverse() ?? [])
        {
            if (provider.TryGet(path, out var value) && value == "")
            {
                return true;
            }
            if (provider is IConfigOrigin origin && origin.OriginOf(path) is not null)
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>Whether any source set <paramref name="key"/> (or a key under it); false for a default.</summary>
    public bool IsSet(string key)
    {
        var path = PathOf(key);
        return root?.Providers.OfType<IConfigOrigin>().Any(p => p.OriginOf(path) is not null) ?? false;
    }

    /// <summary>A key as written in messages and flags (<c>cameras[0].url</c>) as a configuration path (<c>cameras:0:url</c>).</summary>
    public static string PathOf(string key) => Index().Replace(key, ".$1").Replace('.', ':');

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Index();
}
