namespace StreamVision.Publish.Mqtt;

/// <summary>A message to publish. User properties travel as MQTT 5 user properties.</summary>
/// <param name="Qos">0, 1 or 2.</param>
public sealed record OutgoingMessage(
    string Topic,
    ReadOnlyMemory<byte> Payload,
    string? ContentType = null,
    bool Retain = false,
    int Qos = 0,
    IReadOnlyList<KeyValuePair<string, string>>? UserProperties = null,
    byte[]? CorrelationData = null);

/// <summary>A message received on a subscribed topic, with the MQTT 5 fields request/response needs.</summary>
public sealed record IncomingMessage(string Topic, byte[] Payload, string? ContentType, string? ResponseTopic, byte[]? CorrelationData);
