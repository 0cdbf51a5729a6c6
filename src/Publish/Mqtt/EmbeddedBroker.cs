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
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            server.Dispose();
            throw new BrokerException(
                $"embedded MQTT broker: port {port} on {bindAddress} is already in use (another broker such as mosquitto, or another streamvision). " +
                "Set mqtt.embedded.port to a free port, or set mqtt.embedded.enabled: false and point mqtt.host/mqtt.port at the running broker.", e);
        }
        catch (SocketException e)
        {
            server.Dispose();
            throw new BrokerException($"embedded MQTT broker: cannot listen on {bindAddress}:{port} ({e.Message}). Check mqtt.embedded.bind and mqtt.embedded.port.", e);
        }
        return new EmbeddedBroker(server, address, port);
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
