namespace StreamVision.Publish.Mqtt;

/// <summary>The broker could not be started or reached. The message says which and what to change.</summary>
public sealed class BrokerException(string message, Exception? inner = null) : Exception(message, inner);
