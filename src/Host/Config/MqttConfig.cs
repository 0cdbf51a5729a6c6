using System.Net;
using Microsoft.Extensions.Options;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Config;

public sealed class MqttConfig
{
    /// <summary>Topic prefix: topics are &lt;prefix&gt;/available and &lt;prefix&gt;/&lt;camera&gt;/&lt;task&gt;.</summary>
    public string Prefix { get; set; } = "streamvision";

    /// <summary>Broker the service publishes to (the embedded one listens on this port when enabled).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string ClientId { get; set; } = "streamvision";

    /// <summary>Outgoing messages held while the broker is slow or away. Beyond it the oldest QoS 0
    /// message is dropped first; QoS 1/2 messages within it are never lost.</summary>
    public int Queue { get; set; } = 1024;

    /// <summary>Most megabytes those messages may hold (payloads and topics); the same dropping rule
    /// applies when it is reached, so a slow broker never costs more memory than this.</summary>
    public int QueueMb { get; set; } = 64;

    /// <summary>TLS to an external broker; leave out for plain TCP.</summary>
    public MqttTlsConfig? Tls { get; set; }

    /// <summary>Start without the broker's stored session.</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>How long the broker keeps the session after a disconnect (MQTT 5).</summary>
    public uint SessionExpirySeconds { get; set; }

    public int KeepAliveSeconds { get; set; } = 15;

    public MqttQosConfig Qos { get; set; } = new();

    /// <summary>Seconds between &lt;prefix&gt;/stats messages; 0 turns them off.</summary>
    public double StatsIntervalSeconds { get; set; } = 10;

    public EmbeddedBrokerConfig Embedded { get; set; } = new();
}

public sealed class MqttTlsConfig
{
    /// <summary>PEM CA certificate that signed the broker's certificate; leave out to use the system's trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate and key, for brokers that require one.</summary>
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }

    /// <summary>Name expected in the broker's certificate when it differs from mqtt.host.</summary>
    public string? ServerName { get; set; }
}

/// <summary>QoS (0, 1 or 2) per kind of topic.</summary>
public sealed class MqttQosConfig
{
    /// <summary>Per-frame JSON results. 1 keeps them through a broker outage (within mqtt.queue).</summary>
    public int Results { get; set; }

    /// <summary>Binary companions (masks, depth maps, flow fields).</summary>
    public int Companions { get; set; }

    /// <summary>Retained state: availability, camera status, command state.</summary>
    public int State { get; set; } = 1;

    public int Stats { get; set; }
}

/// <summary>A client of the embedded broker.</summary>
public sealed class BrokerUserConfig
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    /// <summary>May publish to the service's input topics (commands, poses, questions).</summary>
    public bool Commands { get; set; }
}

public sealed class EmbeddedBrokerConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address the embedded broker listens on. 127.0.0.1 keeps it on this machine.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>When given, every client must log in as one of these; only those with 'commands'
    /// may publish to the service's input topics. Empty: anonymous clients, anyone may command.</summary>
    public List<BrokerUserConfig> Users { get; set; } = new();
}

public sealed class MqttRules(ServiceConfig root) : SectionRules<MqttConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(MqttConfig mqtt, string key)
    {
        if (mqtt.Port is < 1 or > 65535)
        {
            yield return ConfigProblem.Bad($"{key}.port", mqtt.Port, "use a TCP port in 1..65535 (1883 is MQTT's usual port).");
        }
        if (mqtt.Queue < 1)
        {
            yield return ConfigProblem.Bad($"{key}.queue", mqtt.Queue, "use a positive number of messages.");
        }
        if (mqtt.QueueMb < 1)
        {
            yield return ConfigProblem.Bad($"{key}.queue_mb", mqtt.QueueMb, "use a positive number of megabytes for the outgoing queue (default 64).");
        }
        foreach (var (name, qos) in new[] { ("results", mqtt.Qos.Results), ("companions", mqtt.Qos.Companions), ("state", mqtt.Qos.State), ("stats", mqtt.Qos.Stats) })
        {
            if (qos is < 0 or > 2)
            {
                yield return ConfigProblem.Bad($"{key}.qos.{name}", qos, "use 0 (at most once), 1 (at least once) or 2 (exactly once).");
            }
        }
        if (mqtt.KeepAliveSeconds is < 1 or > 65535)
        {
            yield return ConfigProblem.Bad($"{key}.keep_alive_seconds", mqtt.KeepAliveSeconds, "use 1..65535 seconds.");
        }
        if (mqtt.StatsIntervalSeconds < 0)
        {
            yield return ConfigProblem.Bad($"{key}.stats_interval_seconds", mqtt.StatsIntervalSeconds, "use 0 (off) or a positive number of seconds.");
        }
        if (mqtt.Tls is { } tls)
        {
            foreach (var (name, file) in new[] { ("ca_file", tls.CaFile), ("cert_file", tls.CertFile), ("key_file", tls.KeyFile) })
            {
                if (file is not null && !File.Exists(ConfigLoader.ResolvePath(Root, file)))
                {
                    yield return ConfigProblem.Bad($"{key}.tls.{name}", file, "the file does not exist; give the path of a PEM file (relative paths are relative to the config file).");
                }
            }
            if ((tls.CertFile is null) != (tls.KeyFile is null))
            {
                yield return ConfigProblem.Bad($"{key}.tls.cert_file", tls.CertFile ?? tls.KeyFile, "a client certificate needs both cert_file and key_file.");
            }
        }
        for (var i = 0; i < mqtt.Embedded.Users.Count; i++)
        {
            var user = mqtt.Embedded.Users[i];
            if (string.IsNullOrEmpty(user.Username) || string.IsNullOrEmpty(user.Password))
            {
                yield return ConfigProblem.Bad($"{key}.embedded.users[{i}]", user.Username, $"every user needs a username and a password (the password best from the environment: STREAMVISION__MQTT__EMBEDDED__USERS__{i}__PASSWORD).");
            }
        }
        if (mqtt.Embedded.Enabled && !IPAddress.TryParse(mqtt.Embedded.Bind, out _))
        {
            yield return ConfigProblem.Bad($"{key}.embedded.bind", mqtt.Embedded.Bind, "use an IP address: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).");
        }
        else if (mqtt.Embedded.Enabled && !HttpConfig.IsLoopback(mqtt.Embedded.Bind) && mqtt.Embedded.Users.Count == 0)
        {
            yield return ConfigProblem.Bad($"{key}.embedded.bind", mqtt.Embedded.Bind, $"beyond loopback anyone could publish commands and read every camera: add {key}.embedded.users (username, commands, and the password from the environment, e.g. STREAMVISION__MQTT__EMBEDDED__USERS__0__PASSWORD), or bind 127.0.0.1.");
        }
        if (string.IsNullOrWhiteSpace(mqtt.Host))
        {
            yield return ConfigProblem.Bad($"{key}.host", mqtt.Host, "name the broker's host or IP address.");
        }
        if (string.IsNullOrWhiteSpace(mqtt.ClientId))
        {
            yield return ConfigProblem.Bad($"{key}.client_id", mqtt.ClientId, "give the service an MQTT client id.");
        }
        string? wrongPrefix = null;
        try
        {
            _ = new MqttTopics(mqtt.Prefix);
        }
        catch (ArgumentException e)
        {
            wrongPrefix = e.Message;
        }
        if (wrongPrefix is not null)
        {
            yield return new ConfigProblem($"{key}.prefix", wrongPrefix);
        }
    }
}
