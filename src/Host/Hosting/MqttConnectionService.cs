using Microsoft.Extensions.Hosting;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>The service's MQTT client: connects at start (waiting up to 5 s; a broker that is not
/// there yet is retried in the background while results queue), and at stop flushes what is queued
/// and leaves — after the pipeline has handed over its last results, before the broker stops.</summary>
public sealed class MqttConnectionService(MqttPublisher publisher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => publisher.StartAsync(TimeSpan.FromSeconds(5), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => publisher.DisposeAsync().AsTask();
}
