namespace StreamVision.Publish.Mqtt;

/// <summary>Where and as whom the publisher connects.</summary>
public sealed record MqttEndpoint(
    string Host,
    int Port,
    string ClientId,
    string? Username = null,
    string? Password = null)
{
    public override string ToString() => $"{(Username is null ? "" : Username + "@")}{Host}:{Port}";
}
