using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;

namespace StreamVision.Tests.Support;

/// <summary>A real MQTT 5 subscriber over TCP that records every message it receives.</summary>
public sealed class MqttCapture : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public sealed record Received(string Topic, byte[] Payload, string? ContentType, bool Retain, IReadOnlyDictionary<string, string> UserProperties, DateTimeOffset At, byte[]? CorrelationData = null)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    public ConcurrentQueue<Received> Messages { get; } = new();

    private MqttClientOptions? _options;

    /// <summary>Connects again with the same options (a persistent session resumes its subscriptions).</summary>
    public async Task ReconnectAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (_client.IsConnected)
                {
                    return;
                }
                await _client.ConnectAsync(_options!);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task<MqttCapture> ConnectAsync(int port, string topicFilter, TimeSpan? timeout = null, string? username = null, string? password = null,
        Action<MqttClientOptionsBuilder>? configure = null, int qos = 0)
    {
        var capture = new MqttCapture();
        capture._client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            var props = (m.UserProperties ?? []).ToDictionary(p => p.Name, p => System.Text.Encoding.UTF8.GetString(p.ValueBuffer.Span));
            capture.Messages.Enqueue(new Received(m.Topic, m.Payload.ToArray(), m.ContentType, m.Retain, props, DateTimeOffset.UtcNow, m.CorrelationData));
            return Task.CompletedTask;
        };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithClientId("test-" + Guid.NewGuid().ToString("N")[..8]);
                if (username is not null)
                {
                    builder = builder.WithCredentials(username, password);
                }
                configure?.Invoke(builder);
                capture._options = builder.Build();
                var result = await capture._client.ConnectAsync(capture._options);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new InvalidOperationException($"connect refused: {result.ResultCode}");
                }
                await capture._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter, (MQTTnet.Protocol.MqttQualityOfServiceLevel)qos).Build());
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
        return capture;
    }

    /// <summary>Waits until no message has arrived for <paramref name="quiet"/> (or the deadline).</summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        var lastCount = -1;
        var lastChange = DateTime.UtcNow;
        while (DateTime.UtcNow < end)
        {
            if (Messages.Count != lastCount)
            {
                lastCount = Messages.Count;
                lastChange = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastChange >= quiet)
            {
                return;
            }
            await Task.Delay(50);
        }
    }

    public async Task WaitForAsync(Func<IReadOnlyCollection<Received>, bool> condition, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < end && !condition(Messages))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Publishes from this client (e.g. a drone's pose, a command).</summary>
    public Task PublishAsync(string topic, string payload)
        => _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).Build());

    /// <summary>Publishes at QoS 1 (optionally as an MQTT 5 request) and returns the broker's answer.</summary>
    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, string? responseTopic = null, byte[]? correlation = null)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        if (responseTopic is not null)
        {
            builder = builder.WithResponseTopic(responseTopic).WithCorrelationData(correlation ?? []);
        }
        return _client.PublishAsync(builder.Build());
    }

    public bool IsConnected => _client.IsConnected;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may already be gone (the service under test stopped it).
        }
        _client.Dispose();
    }
}
