using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Host.Config.Sources;

/// <summary>
/// Binds the resolved configuration onto the config classes by their snake_case keys. Unlike
/// ConfigurationBinder it replaces a list instead of appending to its default items, refuses a key
/// no class has (from any source: a misspelt environment variable is as wrong as a misspelt YAML
/// key), and names the key, value and origin of a value it cannot convert.
/// </summary>
internal sealed class ConfigBinder(ConfigOrigins origins)
{
    /// <summary>Deprecated keys that were used, as "old → new" for a warning.</summary>
    public List<string> Deprecations { get; } = new();

    public void Bind(IConfiguration configuration, object target) => BindObject(configuration, target, "");

    private void BindObject(IConfiguration section, object target, string path)
    {
        var keys = StrictYaml.KeysOf(target.GetType());
        foreach (var child in section.GetChildren())
        {
            if (!keys.TryGetValue(child.Key, out var property))
            {
                var canonical = keys.Where(k => StrictYaml.KeyOf(k.Value) == k.Key).Select(k => k.Key).ToList();
                throw Error(Join(path, child.Key), $"unknown key '{Join(path, child.Key.ToLowerInvariant())}'.{StrictYaml.Suggest(canonical, child.Key.ToLowerInvariant())} Known keys here: {string.Join(", ", canonical.Order())}.");
            }
            var name = StrictYaml.KeyOf(property);
            if (!string.Equals(child.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                Deprecations.Add($"'{Join(path, child.Key)}' is now '{Join(path, name)}' ({origins.Of(Join(path, child.Key))}); the old key still works but will be removed.");
            }
            var childPath = Join(path, name);
            property.SetValue(target, Value(child, property.PropertyType, property.GetValue(target), childPath));
        }
    }

    private object? Value(IConfigurationSection section, Type type, object? existing, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var children = section.GetChildren().ToList();
        if (section.Value is null && children.Count == 0)
        {
            return existing; // written without a value (key: ~): the default stays
        }
        if (IsScalar(underlying))
        {
            if (children.Count > 0)
            {
                throw Error(path, $"'{path}' must be a single value, not a section of keys.");
            }
            return Convert(section.Value!, underlying, path);
        }
        if (section.Value is "" && ElementType(underlying) is { } emptyOf && (children.Count == 0 || origins.EmptiedLast(path)))
        {
            return Activator.CreateInstance(typeof(List<>).MakeGenericType(emptyOf)); // [] in YAML, or an empty variable: no items
        }
        if (section.Value is not null && !(section.Value is "" && ElementType(underlying) is not null))
        {
            throw Error(path, $"'{path}' must be {(ElementType(underlying) is null ? "a map of keys" : "a list")}, not the single value '{section.Value}'.");
        }
        if (ElementType(underlying) is { } element)
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            foreach (var item in children.OrderBy(c => Index(c, path)))
            {
                list.Add(Value(item, element, null, $"{path}[{item.Key}]"));
            }
            return list;
        }
        var target = existing ?? Activator.CreateInstance(underlying)!;
        BindObject(section, target, path);
        return target;
    }

    private int Index(IConfigurationSection item, string path) => int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
        ? i
        : throw Error($"{path}.{item.Key}", $"'{path}' is a list: its items are numbered from 0 ('{path}.0', '{path}.1', …), not '{item.Key}'.");

    private object Convert(string text, Type type, string path)
    {
        if (type == typeof(string))
        {
            return text;
        }
        if (type == typeof(bool))
        {
            return text.ToLowerInvariant() switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                _ => throw Error(path, $"'{path}' is '{text}', which is not true or false."),
            };
        }
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            var match = names.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase) || StrictYaml.KeyOf(n) == text.ToLowerInvariant());
            return match is not null ? Enum.Parse(type, match) : throw Error(path, $"'{path}' is '{text}', which is not one of: {string.Join(", ", names.Select(StrictYaml.KeyOf))}.");
        }
        try
        {
            return System.Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error(path, $"'{path}' is '{text}', which is not {(e is OverflowException ? "in range for" : "a number of type")} {type.Name.ToLowerInvariant()}.");
        }
    }

    /// <summary>A type written as one value (the rest are sections or lists).</summary>
    internal static bool IsScalar(Type type) => type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(decimal);

    private static Type? ElementType(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    private static string Join(string path, string key) => path.Length == 0 ? key : int.TryParse(key, out _) ? $"{path}[{key}]" : $"{path}.{key}";

    private ConfigurationException Error(string key, string message) => new($"{origins.Of(key)}: {message}");
}
