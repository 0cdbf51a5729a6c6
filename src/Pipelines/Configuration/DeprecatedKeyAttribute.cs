namespace StreamVision.Pipelines.Configuration;

/// <summary>A key's former name, still accepted (with a deprecation warning) so files written for
/// an earlier release keep working.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DeprecatedKeyAttribute(string oldKey) : Attribute
{
    public string OldKey { get; } = oldKey;
}
