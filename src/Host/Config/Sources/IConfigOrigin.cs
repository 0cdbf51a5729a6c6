namespace StreamVision.Host.Config.Sources;

/// <summary>A configuration provider that can say where a key's value was written (a file and line,
/// an environment variable, a command-line flag), so an error points at the place to fix.</summary>
public interface IConfigOrigin
{
    /// <summary>Where <paramref name="key"/> (a ':'-separated path, any case) or a key under it was set; null when not here.</summary>
    string? OriginOf(string key);
}
