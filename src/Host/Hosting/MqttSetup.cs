using System.Security.Cryptography;
using StreamVision.Host.Config;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>The MQTT side of the config in one place: where the service connects, as whom, with
/// which QoS, and who may use the embedded broker.</summary>
public sealed class MqttSetup
{
    private MqttSetup(MqttEndpoint endpoint, BrokerAccess access, MqttQos qos, MqttTopics topics)
    {
        Endpoint = endpoint;
        Access = access;
        Qos = qos;
        Topics = topics;
    }

    public MqttEndpoint Endpoint { get; }
    public BrokerAccess Access { get; }
    public MqttQos Qos { get; }
    public MqttTopics Topics { get; }

    public static MqttSetup From(ServiceConfig config)
    {
        var m = config.Mqtt;
        var topics = new MqttTopics(m.Prefix);
        var users = m.Embedded.Users.Select(u => new BrokerUser(u.Username, u.Password, u.Commands)).ToList();
        var (username, password) = (m.Username, m.Password);
        if (m.Embedded.Enabled && users.Count > 0 && !users.Any(u => u.Username == username))
        {
            // The service's own login to its own broker: never written anywhere, new every start.
            (username, password) = ("streamvision-service", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
            users.Add(new BrokerUser(username, password, Commands: false));
        }
        var tls = m.Tls is { } t && !m.Embedded.Enabled
            ? new MqttTls(Path(config, t.CaFile), Path(config, t.CertFile), Path(config, t.KeyFile), t.ServerName)
            : null;
        var endpoint = new MqttEndpoint(m.Embedded.Enabled ? "127.0.0.1" : m.Host, m.Port, m.ClientId, username, password, tls,
            m.CleanStart, m.SessionExpirySeconds, m.KeepAliveSeconds);
        return new MqttSetup(endpoint, new BrokerAccess(users, topics.InputFilters), new MqttQos(m.Qos.Results, m.Qos.Companions, m.Qos.State, m.Qos.Stats), topics);
    }

    private static string? Path(ServiceConfig config, string? file) => file is null ? null : ConfigLoader.ResolvePath(config, file);
}
