using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>The embedded MQTT broker (mqtt.embedded.enabled): listening before the service's own
/// client connects, stopped after that client has flushed its queue and left.</summary>
public sealed class EmbeddedBrokerService(ServiceConfig config, MqttSetup mqtt, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    public EmbeddedBroker? Broker { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.Mqtt.Embedded.Enabled)
        {
            return;
        }
        Broker = await EmbeddedBroker.StartAsync(config.Mqtt.Embedded.Bind, config.Mqtt.Port, mqtt.Access).ConfigureAwait(false);
        loggers.CreateLogger("streamvision").LogInformation("embedded MQTT broker listening on {Address}:{Port}{Auth}", Broker.Address, Broker.Port,
            mqtt.Access.Users.Count > 0 ? " (login required)" : "");
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Broker is { } broker)
        {
            Broker = null;
            await broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
