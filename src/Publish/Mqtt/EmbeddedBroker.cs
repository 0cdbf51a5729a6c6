using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace StreamVision.Publish.Mqtt;

/// <summary>The MQTTnet broker the service runs by default, so a subscriber needs nothing else.
/// It binds one address (loopback by default): exposing it is a deliberate configuration choice.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, IPAddress address, int port)
    {
        _server = server;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }
    public int Port { get; }

    public static async Task<EmbeddedBroker> StartAsync(string bindAddress, int port)
    {
        if (!IPAddress.TryParse(bindAddress, out var address))
        {
            throw new BrokerException($"embedded MQTT broker: bind address '{bindAddress}' is not an IP address; use 127.0.0.1 (local only) or 0.0.0.0 (all interfaces).");
        }
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        server.ValidatingConnectionAsync += AssignIdToAnonymousClients;
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            server.Dispose();
            throw new BrokerException(
                $"embedded MQTT broker: port {port} on {bindAddress} is already in use (another broker such as mosquitto, or another streamvision). " +
                "Set mqtt.port (or --mqtt-port) to a free port, or set mqtt.embedded.enabled: false to publish to the broker already running there.", e);
        }
        catch (SocketException e)
        {
            server.Dispose();
            throw new BrokerException($"embedded MQTT broker: cannot listen on {bindAddress}:{port} ({e.Message}). Check mqtt.embedded.bind and mqtt.port.", e);
        }
        return new EmbeddedBroker(server, address, port);
    }

    // MQTT lets a client with a clean session connect with an empty id and have the broker assign
    // one (3.1.1 section 3.1.3.1, 5.0 section 3.1.3.1). mosquitto_sub does exactly that by default.
    // MQTTnet honours the assigned id only for MQTT 5, so for 3.1.1 the id is written into the
    // CONNECT packet MQTTnet is validating; a test pins this against the MQTTnet version in use.
    private static readonly System.Reflection.FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    private static Task AssignIdToAnonymousClients(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession != false)
        {
            var id = "auto-" + Guid.NewGuid().ToString("N")[..12];
            e.AssignedClientIdentifier = id;
            if (e.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500 && ConnectPacketField?.GetValue(e) is MQTTnet.Packets.MqttConnectPacket packet)
            {
                packet.ClientId = id;
            }
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
        }
    }
}
