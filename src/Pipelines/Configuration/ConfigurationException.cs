namespace StreamVision.Pipelines.Configuration;

/// <summary>A configuration or manifest file says something we cannot use. The message names the
/// file, the key, the value and the fix; callers print it as is and exit non-zero.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
