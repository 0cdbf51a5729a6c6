namespace StreamVision.Publish.Mqtt;

/// <summary>TLS to the broker: the CA that signed its certificate (else the system's trust store),
/// and optionally a client certificate with its key (PEM files).</summary>
/// <param name="ServerName">Name expected in the broker's certificate; defaults to the host.</param>
public sealed record MqttTls(string? CaFile = null, string? CertFile = null, string? KeyFile = null, string? ServerName = null);

/// <summary>Where and as whom the service connects, and how its session behaves.</summary>
/// <param name="CleanStart">Start without the broker's stored session (queued results are resent by us anyway).</param>
/// <param name="SessionExpirySeconds">How long the broker keeps the session after a disconnect (MQTT 5).</param>
public sealed record MqttEndpoint(
    string Host,
    int Port,
    string ClientId,
    string? Username = null,
    string? Password = null,
    MqttTls? Tls = null,
    bool CleanStart = true,
    uint SessionExpirySeconds = 0,
    int KeepAliveSeconds = 15)
{
    public override string ToString() => $"{(Tls is null ? "mqtt" : "mqtts")}://{(Username is null ? "" : Username + "@")}{Host}:{Port}";
}

/// <summary>QoS per kind of topic (0, 1 or 2).</summary>
/// <param name="Results">Per-frame JSON results.</param>
/// <param name="Companions">Binary companions (masks, depth maps, flow fields).</param>
/// <param name="State">Retained state: availability, camera status, command state.</param>
/// <param name="Stats">The periodic stats message.</param>
public sealed record MqttQos(int Results = 0, int Companions = 0, int State = 1, int Stats = 0);
