using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace StreamVision.Publish.Mqtt;

/// <summary>The publishing loop: takes queued messages while connected, waits for a reconnect otherwise, and keeps a message until the broker took it.</summary>
public sealed partial class MqttPublisher
{
    private async Task PublishLoopAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (await WaitForWorkAsync(stop).ConfigureAwait(false))
        {
            if (!_client.IsConnected)
            {
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                try
                {
                    await ConnectAsync(stop).ConfigureAwait(false);
                    backoff = TimeSpan.FromMilliseconds(250);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    _log.LogDebug("MQTT reconnect to {Endpoint} failed: {Message}", _endpoint, e.Message);
                    var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)backoff.TotalMilliseconds / 2 + 1));
                    try
                    {
                        await Task.Delay(backoff + jitter, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
                    continue;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            while (_client.IsConnected && _queue.TryPeek(out var message))
            {
                try
                {
                    await SendAsync(message, CancellationToken.None).ConfigureAwait(false);
                    _queue.Remove(message);
                }
                catch (BrokerException e)
                {
                    // The broker answered and refused (e.g. not authorised): sending again cannot help.
                    _queue.Remove(message);
                    Stats.CountFailed();
                    _log.LogWarning("MQTT: {Message}", e.Message);
                }
                catch (Exception e)
                {
                    // The connection went away mid-send: a QoS 0 message is given up, QoS 1/2 stays queued.
                    if (message.Qos == 0)
                    {
                        _queue.Remove(message);
                        Stats.CountFailed();
                    }
                    _log.LogDebug("MQTT publish to {Topic} failed: {Message}", message.Topic, e.Message);
                    break;
                }
            }
        }
    }

    /// <summary>Waits until there is something to send or the connection needs restoring (so
    /// subscriptions come back even when nothing is being published); false when it is time to stop.</summary>
    private async Task<bool> WaitForWorkAsync(CancellationToken stop)
    {
        if (!_client.IsConnected)
        {
            return !stop.IsCancellationRequested && !(_queue.IsCompleted && _queue.Count == 0);
        }
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop, _connectionLost.Token);
        try
        {
            return await _queue.WaitAsync(wake.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return !stop.IsCancellationRequested || (_queue.Count > 0 && _client.IsConnected);
        }
    }

    private async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(new System.Buffers.ReadOnlySequence<byte>(message.Payload))
            .WithRetainFlag(message.Retain)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)message.Qos);
        if (message.ContentType is not null)
        {
            builder = builder.WithContentType(message.ContentType);
        }
        if (message.CorrelationData is not null)
        {
            builder = builder.WithCorrelationData(message.CorrelationData);
        }
        if (message.UserProperties is not null)
        {
            foreach (var (key, value) in message.UserProperties)
            {
                builder = builder.WithUserProperty(key, System.Text.Encoding.UTF8.GetBytes(value).AsMemory());
            }
        }
        var result = await _client.PublishAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new BrokerException($"broker rejected publish to '{message.Topic}': {result.ReasonCode} {result.ReasonString}");
        }
        Stats.CountPublished();
    }
}
