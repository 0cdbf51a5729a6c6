using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace StreamVision.Publish.Mqtt;

/// <summary>
/// Publishes to one broker without ever blocking the caller: <see cref="TryPublish"/> puts the
/// message in a bounded <see cref="OutgoingQueue"/> and a background loop sends it; a message leaves
/// the queue only once the broker took it, so QoS 1/2 messages within the bound survive a broker
/// outage and are delivered in order after the reconnect. The connection announces
/// <c>&lt;prefix&gt;/available</c> = online (retained) with a last will of offline, reconnects with
/// capped backoff, says <c>stopped</c> on a clean stop, and renews its subscriptions on every connect.
/// </summary>
public sealed partial class MqttPublisher : IAsyncDisposable
{
    private readonly MqttEndpoint _endpoint;
    private readonly MqttTopics _topics;
    private readonly ILogger _log;
    private readonly IMqttClient _client;
    private readonly OutgoingQueue _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Filter, Action<IncomingMessage> Handler)> _subscriptions = new();
    private CancellationTokenSource _connectionLost = new();
    private Task? _loop;

    /// <param name="queueBytes">Most bytes the outgoing queue holds (with <paramref name="queueCapacity"/> messages).</param>
    public MqttPublisher(MqttEndpoint endpoint, MqttTopics topics, ILogger log, int queueCapacity = 1024, long queueBytes = 64L << 20)
    {
        _endpoint = endpoint;
        _topics = topics;
        _log = log;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _queue = new OutgoingQueue(queueCapacity, queueBytes);
        Stats = new PublisherStats(_queue);
        _client.DisconnectedAsync += e =>
        {
            try
            {
                _connectionLost.Cancel(); // wakes the loop so it reconnects even with nothing to send
            }
            catch (ObjectDisposedException)
            {
                // A newer connection attempt already replaced it.
            }
            if (e.ClientWasConnected)
            {
                _log.LogWarning("MQTT connection to {Endpoint} lost ({Reason}); results are queued (up to {Capacity} messages, {Megabytes} MiB) and the connection retried", _endpoint, e.Reason, _queue.Capacity, _queue.CapacityBytes >> 20);
            }
            return Task.CompletedTask;
        };
    }

    public PublisherStats Stats { get; }

    /// <summary>True only while a connection the broker accepted is up.</summary>
    public bool IsConnected => _client.IsConnected;

    public int QueueDepth => _queue.Count;

    /// <summary>Bytes waiting in the outgoing queue.</summary>
    public long QueueBytes => _queue.Bytes;

    public MqttEndpoint Endpoint => _endpoint;

    /// <summary>Connects (waiting up to <paramref name="firstConnectTimeout"/>), then publishes in the
    /// background. If the broker is not there yet the service still starts and keeps retrying.</summary>
    public async Task StartAsync(TimeSpan firstConnectTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(firstConnectTimeout);
        try
        {
            await ConnectAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.LogWarning("MQTT broker {Endpoint} not reachable yet ({Message}); results are queued and the connection retried", _endpoint, e.Message);
        }
        _loop = Task.Run(() => PublishLoopAsync(_stop.Token));
    }

    /// <summary>Delivers messages on <paramref name="filter"/> to <paramref name="handler"/> (on an MQTT
    /// thread: keep it short). Call before <see cref="StartAsync"/>; subscriptions are renewed on
    /// every reconnect.</summary>
    public void Subscribe(string filter, Action<IncomingMessage> handler) => _subscriptions.Add((filter, handler));

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var m = e.ApplicationMessage;
        var incoming = new IncomingMessage(m.Topic, m.Payload.ToArray(), m.ContentType, m.ResponseTopic, m.CorrelationData);
        foreach (var (filter, handler) in _subscriptions)
        {
            if (MqttTopicFilterComparer.Compare(m.Topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                try
                {
                    handler(incoming);
                }
                catch (Exception ex)
                {
                    _log.LogError("handling MQTT message on {Topic} failed: {Message}", m.Topic, ex.Message);
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Queues <paramref name="message"/>; never blocks. False only after the publisher stopped.</summary>
    public bool TryPublish(OutgoingMessage message) => _queue.TryAdd(message);

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_endpoint.Host, _endpoint.Port)
            .WithClientId(_endpoint.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(_endpoint.CleanStart)
            .WithSessionExpiryInterval(_endpoint.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_endpoint.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(_topics.Available)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_endpoint.Username is not null)
        {
            builder = builder.WithCredentials(_endpoint.Username, _endpoint.Password ?? "");
        }
        if (_endpoint.Tls is { } tls)
        {
            builder = builder.WithTlsOptions(MqttTlsSettings.Build(tls, _endpoint.Host));
        }
        var lost = new CancellationTokenSource();
        Interlocked.Exchange(ref _connectionLost, lost).Dispose();
        var result = await _client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new BrokerException($"MQTT broker {_endpoint} refused the connection: {result.ResultCode} {result.ReasonString}. Check mqtt.username/mqtt.password and mqtt.client_id.");
        }
        Stats.CountConnect();
        foreach (var (filter, _) in _subscriptions)
        {
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtMostOnce).Build(), cancellationToken).ConfigureAwait(false);
        }
        await SendAsync(new OutgoingMessage(_topics.Available, "online"u8.ToArray(), "text/plain", Retain: true, Qos: 1), cancellationToken).ConfigureAwait(false);
        _log.LogInformation("MQTT connected to {Endpoint}; publishing under '{Prefix}'", _endpoint, _topics.Prefix);
    }

    /// <summary>Sends what is queued (up to <paramref name="drainTimeout"/>), says stopped, disconnects.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;
        }
        _queue.Complete();
        if (_loop is not null)
        {
            var finished = await Task.WhenAny(_loop, Task.Delay(drainTimeout)).ConfigureAwait(false);
            _stop.Cancel();
            if (finished != _loop)
            {
                await _loop.ConfigureAwait(false);
            }
        }
        if (_client.IsConnected)
        {
            try
            {
                await SendAsync(new OutgoingMessage(_topics.Available, "stopped"u8.ToArray(), "text/plain", Retain: true, Qos: 1), CancellationToken.None).ConfigureAwait(false);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build()).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log.LogDebug("MQTT clean disconnect failed: {Message}", e.Message);
            }
        }
    }

    private int _stopping;
    private int _disposed;

    /// <summary>Stops (if not yet) and releases the client, once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _client.Dispose();
        _stop.Dispose();
        _connectionLost.Dispose();
    }
}
