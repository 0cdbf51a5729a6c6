using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace StreamVision.Pipelines.Configuration;

/// <summary>
/// Reads YAML (config files, model manifests) into plain classes with snake_case keys and refuses
/// anything it would otherwise silently ignore: an unknown key (with the keys that are known and the
/// closest one), a scalar that is not of the expected type, a list where a map belongs. Checking the
/// node tree against the target type first lets every message carry the file, line and key path.
/// </summary>
public static class StrictYaml
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    public static T Load<T>(string path) where T : new()
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"file '{path}' does not exist.");
        }
        return Parse<T>(File.ReadAllText(path), path);
    }

    public static T Parse<T>(string text, string sourceName) where T : new()
    {
        if (ParseChecked<T>(text, sourceName) is null)
        {
            return new T();
        }
        var deserializer = new DeserializerBuilder().WithNamingConvention(Naming).WithEnumNamingConvention(Naming).Build();
        try
        {
            return deserializer.Deserialize<T>(text) ?? new T();
        }
        catch (YamlException e)
        {
            throw new ConfigurationException($"{sourceName} line {e.Start.Line}: {(e.InnerException ?? e).Message}", e);
        }
    }

    /// <summary>The snake_case key a property is written as.</summary>
    public static string KeyOf(string propertyName) => Naming.Apply(propertyName);

    /// <summary>The key a property is written as: its YAML alias, else its snake_case name.</summary>
    public static string KeyOf(PropertyInfo property) => property.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? KeyOf(property.Name);

    /// <summary>Parses YAML text into its node tree (null for an empty document), checked against
    /// <typeparamref name="T"/>: every message names the file, line and key path.</summary>
    public static YamlNode? ParseChecked<T>(string text, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigurationException($"{sourceName} line {e.Start.Line}, column {e.Start.Column}: not valid YAML ({e.Message}). Fix the syntax there.", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner gives up on some malformed scalars without a position.
            throw new ConfigurationException($"{sourceName}: not valid YAML (the parser stopped: {e.Message}). Check quotes, colons and special characters such as * & ! | > at the start of values.", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return null;
        }
        Check(stream.Documents[0].RootNode, typeof(T), "", sourceName);
        return stream.Documents[0].RootNode;
    }

    /// <summary>The keys a class accepts (snake_case, plus deprecated names), each with its property.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> KeysOf(Type type)
    {
        var keys = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetCustomAttribute<YamlIgnoreAttribute>() is null))
        {
            keys[KeyOf(p)] = p;
            if (p.GetCustomAttribute<DeprecatedKeyAttribute>() is { } old)
            {
                keys[old.OldKey] = p;
            }
        }
        return keys;
    }

    /// <summary>" Did you mean 'x'?" when a known key is close to <paramref name="key"/>, else "".</summary>
    public static string Suggest(IEnumerable<string> known, string key)
    {
        var closest = known.OrderBy(k => Distance(k, key)).FirstOrDefault();
        return closest is not null && Distance(closest, key) <= 3 ? $" Did you mean '{closest}'?" : "";
    }

    private static void Check(YamlNode node, Type type, string path, string source)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (node is YamlScalarNode { Value: null or "" or "~" or "null", Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } && (Nullable.GetUnderlyingType(type) is not null || !type.IsValueType))
        {
            return;
        }
        if (underlying == typeof(string))
        {
            Expect<YamlScalarNode>(node, path, source, "a text value");
            return;
        }
        if (underlying.IsEnum)
        {
            var text = Expect<YamlScalarNode>(node, path, source, "a name").Value ?? "";
            var names = Enum.GetNames(underlying);
            if (!names.Any(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase) || KeyOf(n) == text))
            {
                throw Error(node, source, $"'{Display(path)}' is '{text}', which is not one of: {string.Join(", ", names)}.");
            }
            return;
        }
        if (underlying.IsPrimitive || underlying == typeof(decimal))
        {
            var text = Expect<YamlScalarNode>(node, path, source, "a single value").Value ?? "";
            var ok = underlying == typeof(bool)
                ? bool.TryParse(text, out _) || text is "yes" or "no" or "on" or "off" or "true" or "false"
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            if (!ok)
            {
                throw Error(node, source, $"'{Display(path)}' is '{text}', which is not {(underlying == typeof(bool) ? "true or false" : "a number")}.");
            }
            return;
        }
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var map = Expect<YamlMappingNode>(node, path, source, "a map of key: value");
            foreach (var (key, value) in map.Children)
            {
                Check(value, underlying.GetGenericArguments()[1], $"{path}.{key}", source);
            }
            return;
        }
        var element = ElementType(underlying);
        if (element is not null)
        {
            var seq = Expect<YamlSequenceNode>(node, path, source, "a list");
            for (var i = 0; i < seq.Children.Count; i++)
            {
                if (seq.Children[i] is YamlScalarNode { Value: null or "" or "~" or "null", Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) }
                    && Nullable.GetUnderlyingType(element) is null)
                {
                    throw Error(seq.Children[i], source, $"'{Display(path)}[{i}]' is an empty item; give it a value or remove the '-'.");
                }
                Check(seq.Children[i], element, $"{path}[{i}]", source);
            }
            return;
        }
        var mapping = Expect<YamlMappingNode>(node, path, source, "a map of keys");
        var properties = KeysOf(underlying);
        var seen = new Dictionary<PropertyInfo, string>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw Error(keyNode, source, $"a key in '{Display(path)}' is a {(keyNode is YamlSequenceNode ? "list" : "map")}; keys are plain names.");
            }
            var keyPath = path.Length == 0 ? key : $"{path}.{key}";
            // YAML keys are exact (snake_case); only environment variables are matched without case.
            if (!properties.TryGetValue(key, out var property) || !properties.Keys.Contains(key, StringComparer.Ordinal))
            {
                var canonical = properties.Keys.Where(k => KeyOf(properties[k]) == k).ToList();
                throw Error(keyNode, source, $"unknown key '{Display(keyPath)}'.{Suggest(canonical, key)} Known keys here: {string.Join(", ", canonical.Order())}.");
            }
            if (seen.TryGetValue(property, out var other))
            {
                throw Error(keyNode, source, $"'{Display(keyPath)}' and '{other}' are the same key ('{KeyOf(property)}'; the other is its former name); keep one.");
            }
            seen[property] = key;
            if (value is YamlScalarNode { Value: null or "" or "~" or "null", Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } && !property.PropertyType.IsValueType
                && Nullability.Create(property).WriteState == NullabilityState.NotNull)
            {
                throw Error(value, source, $"'{Display(keyPath)}' has no value; give it one or leave the key out.");
            }
            Check(value, property.PropertyType, keyPath, source);
        }
    }

    private static readonly NullabilityInfoContext Nullability = new();

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments().Length == 1)
        {
            return type.GetGenericArguments()[0];
        }
        return null;
    }

    private static TNode Expect<TNode>(YamlNode node, string path, string source, string what) where TNode : YamlNode
        => node as TNode ?? throw Error(node, source, $"'{Display(path)}' must be {what}.");

    private static ConfigurationException Error(YamlNode node, string source, string message)
        => new($"{source} line {node.Start.Line}: {message}");

    private static string Display(string path) => path.Length == 0 ? "(top level)" : path;

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
