using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using StreamVision.Pipelines.Configuration;
using YamlDotNet.Serialization;

namespace StreamVision.Host.Config;

/// <summary>
/// The resolved configuration as YAML, every key with where its value came from (a comment: file
/// and line, environment variable, flag; none for a default), and secrets masked: passwords and
/// the password part of camera URLs. What <c>streamvision config show</c> prints.
/// </summary>
public static partial class ConfigDump
{
    public const string Mask = "********";

    public static string Yaml(ServiceConfig config)
    {
        var text = new StringBuilder();
        Object(text, config, "", 0, config);
        return text.ToString();
    }

    private static void Object(StringBuilder text, object target, string path, int indent, ServiceConfig config, bool firstInListItem = false)
    {
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetCustomAttribute<YamlIgnoreAttribute>() is null))
        {
            var key = StrictYaml.KeyOf(property);
            var keyPath = path.Length == 0 ? key : $"{path}.{key}";
            var value = property.GetValue(target);
            var pad = new string(' ', firstInListItem ? 0 : indent);
            firstInListItem = false;
            if (value is null)
            {
                text.Append(pad).Append(key).Append(": ~").Append(Origin(config, keyPath)).Append('\n');
            }
            else if (Sources.ConfigBinder.IsScalar(value.GetType()))
            {
                text.Append(pad).Append(key).Append(": ").Append(Scalar(Secret(property, value))).Append(Origin(config, keyPath)).Append('\n');
            }
            else if (value is IList list)
            {
                List(text, pad, key, keyPath, list, indent, config);
            }
            else
            {
                text.Append(pad).Append(key).Append(":\n");
                Object(text, value, keyPath, indent + 2, config);
            }
        }
    }

    private static void List(StringBuilder text, string pad, string key, string keyPath, IList list, int indent, ServiceConfig config)
    {
        if (list.Count == 0 || Sources.ConfigBinder.IsScalar(list[0]!.GetType()))
        {
            text.Append(pad).Append(key).Append(": [").Append(string.Join(", ", list.Cast<object>().Select(Scalar))).Append(']').Append(Origin(config, keyPath)).Append('\n');
            return;
        }
        text.Append(pad).Append(key).Append(":\n");
        for (var i = 0; i < list.Count; i++)
        {
            text.Append(new string(' ', indent + 2)).Append("- ");
            Object(text, list[i]!, $"{keyPath}[{i}]", indent + 4, config, firstInListItem: true);
        }
    }

    private static object Secret(PropertyInfo property, object value) => property.Name switch
    {
        "Password" or "Token" when value is string { Length: > 0 } => Mask,
        "Url" when value is string url => UrlPassword().Replace(url, $"$1{Mask}@"),
        _ => value,
    };

    private static string Origin(ServiceConfig config, string key)
        => config.Origins is { } origins && origins.IsSet(key) ? $"  # {origins.Of(key)}" : "";

    private static string Scalar(object value) => value switch
    {
        string s => s.Length == 0 || s.IndexOfAny([':', '#', '\'', '"', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', '%', '@', '`']) >= 0 || s != s.Trim()
            ? $"'{s.Replace("'", "''", StringComparison.Ordinal)}'" : s,
        bool b => b ? "true" : "false",
        Enum e => StrictYaml.KeyOf(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex(@"(://[^:/@]+:)[^@/]*@")]
    private static partial Regex UrlPassword();
}
