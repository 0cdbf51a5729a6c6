using System.Collections.Concurrent;
using System.Diagnostics;
using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace StreamVision.Benchmarks;

/// <param name="At">Seconds since the probe started.</param>
/// <param name="AgeMs">Capture → received by this subscriber, in milliseconds.</param>
/// <param name="ProcessingMs">The stage's own time on the frame (the result's processing_ms).</param>
public readonly record struct FrameArrival(double At, string Camera, double AgeMs, double ProcessingMs);

/// <summary>
/// A subscriber like any user's: receives a stage's JSON results over MQTT and records each frame's
/// age when it arrives (now − the capture time the result carries), so the
/// figure includes everything between the camera and the user: queues, the stage, the broker.
/// </summary>
public sealed class FrameAgeProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<FrameArrival> _arrivals = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A copy of what arrived so far.</summary>
    public IReadOnlyList<FrameArrival> Arrivals => _arrivals.ToArray();

    public int Count => _arrivals.Count;

    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>Subscribes to <c>&lt;prefix&gt;/+/&lt;stage&gt;</c> (results, not their binary companions).</summary>
    public static async Task<FrameAgeProbe> ConnectAsync(int port, string prefix, string stage, CancellationToken cancellationToken)
    {
        var probe = new FrameAgeProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            var received = DateTimeOffset.UtcNow;
            if (Identity(e.ApplicationMessage.Payload) is ({ } camera, { } captured, var processing))
            {
                probe._arrivals.Enqueue(new FrameArrival(probe.Elapsed, camera, (received - captured).TotalMilliseconds, processing));
            }
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("bench-probe-" + Guid.NewGuid().ToString("N")[..8]).Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                await probe._client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
                await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{prefix}/+/{stage}", MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
                return probe;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The result's camera, capture time and processing time, from its top-level JSON fields.</summary>
    private static (string? Camera, DateTimeOffset? Captured, double ProcessingMs) Identity(ReadOnlySequence<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        string? camera = null;
        DateTimeOffset? captured = null;
        var processing = double.NaN;
        while (reader.Read() && (camera is null || captured is null || double.IsNaN(processing)))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }
            if (reader.ValueTextEquals("camera"u8) && reader.Read())
            {
                camera = reader.GetString();
            }
            else if (reader.ValueTextEquals("capture_time"u8) && reader.Read() && reader.TryGetDateTimeOffset(out var time))
            {
                captured = time;
            }
            else if (reader.ValueTextEquals("processing_ms"u8) && reader.Read() && reader.TryGetDouble(out var ms))
            {
                processing = ms;
            }
        }
        return (camera, captured, processing);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }
        _client.Dispose();
    }
}
