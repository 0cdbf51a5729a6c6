using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace StreamVision.Publish.Mqtt;

/// <summary>A login for the embedded broker.</summary>
/// <param name="Commands">May publish to the service's input topics.</param>
public sealed record BrokerUser(string Username, string Password, bool Commands);

/// <summary>Who may connect to the embedded broker and who may publish to input topics. No users:
/// anyone on the bound address may connect and command (the loopback default).</summary>
/// <param name="InputFilters">Topic filters of the service's input topics (commands, poses, questions).</param>
/// <param name="MaxInputBytes">Largest payload accepted on an input topic; bigger publishes are refused
/// by the broker before the service sees them.</param>
public sealed record BrokerAccess(IReadOnlyList<BrokerUser> Users, IReadOnlyList<string> InputFilters, int MaxInputBytes = 64 * 1024)
{
    public static readonly BrokerAccess Open = new([], []);
}

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

    public static async Task<EmbeddedBroker> StartAsync(string bindAddress, int port, BrokerAccess? access = null)
    {
        access ??= BrokerAccess.Open;
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
        if (access.Users.Count > 0)
        {
            server.ValidatingConnectionAsync += e => Authenticate(e, access);
        }
        if (access.InputFilters.Count > 0)
        {
            server.InterceptingPublishAsync += e => Authorise(e, access);
        }
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

    private static Task Authenticate(ValidatingConnectionEventArgs e, BrokerAccess access)
    {
        var user = access.Users.FirstOrDefault(u => u.Username == e.UserName);
        if (user is null || !FixedTimeEquals(user.Password, e.Password ?? ""))
        {
            e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.BadUserNameOrPassword;
            e.ReasonString = "unknown user or wrong password";
        }
        return Task.CompletedTask;
    }

    private static bool FixedTimeEquals(string a, string b)
        => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    // Input topics take small payloads only, and — with users — only from users allowed to command;
    // anyone logged in may publish elsewhere (the service's own results, other applications' topics).
    private static Task Authorise(InterceptingPublishEventArgs e, BrokerAccess access)
    {
        var topic = e.ApplicationMessage.Topic;
        var input = access.InputFilters.Any(f => MQTTnet.MqttTopicFilterComparer.Compare(topic, f) == MQTTnet.MqttTopicFilterCompareResult.IsMatch);
        if (!input)
        {
            return Task.CompletedTask;
        }
        if (e.ApplicationMessage.Payload.Length > access.MaxInputBytes)
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MQTTnet.Protocol.MqttPubAckReasonCode.QuotaExceeded;
            e.Response.ReasonString = $"{e.ApplicationMessage.Payload.Length} bytes is more than an input topic takes ({access.MaxInputBytes})";
            return Task.CompletedTask;
        }
        if (access.Users.Count > 0 && access.Users.FirstOrDefault(u => u.Username == e.UserName) is not { Commands: true })
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MQTTnet.Protocol.MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = $"user '{e.UserName}' may not publish to '{topic}'";
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
