using MQTTnet;
using System.Text.Json;
using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Service mode end to end: a file played as a camera, the real selfie model, the embedded
/// broker, and a real MQTT client subscribed over TCP.</summary>
[Trait("Category", "Integration")]
public sealed class ServiceMqttTests
{
    private static ServiceConfig PersonCamera(int port, long frames, double speed) => new()
    {
        Cameras = { new CameraConfig { Id = "lobby", Url = SharedData.PersonClip, Realtime = true, Speed = speed, MaxFrames = frames } },
        Stages = { Segmentation = { Model = "selfie_segmentation" } },
        Models = { SearchPaths = { SharedData.Models } },
        Mqtt = { Port = port, Prefix = "sv-test", ClientId = "sv-" + port },
        Http = { Enabled = false },
    };

    [Fact]
    public async Task Subscriber_receives_json_and_png_per_frame_in_order_with_matching_person_fraction()
    {
        var port = FreePort.Next();
        var config = PersonCamera(port, frames: 160, speed: 4);
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "sv-test/#");
        await host.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        await capture.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
        var source = host.Pipeline.Sources.Single();
        Assert.Equal(0, source.Pool!.Outstanding);
        await host.DisposeAsync();

        var messages = capture.Messages.ToList();
        var json = messages.Where(m => m.Topic == "sv-test/lobby/segmentation").ToList();
        var png = messages.Where(m => m.Topic == "sv-test/lobby/segmentation/mask").ToDictionary(m => long.Parse(m.UserProperties["seq"]));
        Assert.True(json.Count >= 100, $"only {json.Count} JSON results arrived");
        Assert.All(json, m => Assert.Equal("application/json", m.ContentType));
        // A companion names its frame the way the JSON does: camera, seq, pts and capture time.
        foreach (var m in json.Take(20))
        {
            var doc = JsonDocument.Parse(m.Payload).RootElement;
            var mask = png[doc.GetProperty("seq").GetInt64()];
            Assert.Equal("lobby", mask.UserProperties["camera"]);
            Assert.Equal(doc.GetProperty("capture_time").GetString(), mask.UserProperties["capture_time"]);
            Assert.Equal(doc.GetProperty("pts").GetDouble(), double.Parse(mask.UserProperties["pts"], System.Globalization.CultureInfo.InvariantCulture), 6);
        }

        var docs = json.Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var seqs = docs.Select(d => d.GetProperty("seq").GetInt64()).ToList();
        var pts = docs.Select(d => d.GetProperty("pts").GetDouble()).ToList();
        Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First), "seq must strictly increase");
        Assert.True(pts.Zip(pts.Skip(1)).All(p => p.Second > p.First), "pts must strictly increase");
        // pts comes from the stream (10 fps clip: frame n at n/10 s), not from the wall clock.
        Assert.All(seqs.Zip(pts), p => Assert.Equal(p.First * 0.1, p.Second, 1e-3));

        var withPerson = 0;
        foreach (var doc in docs)
        {
            var seq = doc.GetProperty("seq").GetInt64();
            Assert.True(png.TryGetValue(seq, out var maskMessage), $"no mask for seq {seq}");
            Assert.Equal("image/png", maskMessage.ContentType);
            Assert.Equal("lobby", maskMessage.UserProperties["camera"]);
            using var mask = Cv2.ImDecode(maskMessage.Payload, ImreadModes.Unchanged);
            Assert.Equal((256, 256, 1), (mask.Width, mask.Height, mask.Channels()));
            var fraction = doc.GetProperty("classes")[1].GetProperty("fraction").GetDouble();
            Assert.Equal("person", doc.GetProperty("classes")[1].GetProperty("name").GetString());
            Assert.Equal(fraction, Cv2.CountNonZero(mask) / (256.0 * 256), 1e-6);
            Assert.Equal("selfie_segmentation", doc.GetProperty("model").GetString());
            withPerson += fraction > 0.05 ? 1 : 0;
        }
        Assert.True(withPerson > 20, "frames 75.. show a person; the model must see one");
    }

    [Fact]
    public async Task Availability_is_retained_online_while_running_and_stopped_after_a_clean_stop()
    {
        // An external broker outlives the service, so a subscriber arriving after the stop must
        // still learn it from the retained message.
        using var broker = MosquittoBroker.Start();
        var config = PersonCamera(broker.Port, frames: 1000, speed: 1);
        config.Mqtt.Embedded.Enabled = false;
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);

        // Connecting after the service announced itself: only a retained message can tell us.
        await using (var late = await MqttCapture.ConnectAsync(broker.Port, "sv-test/available"))
        {
            await late.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(5));
            var first = Assert.Single(late.Messages);
            Assert.True(first.Retain);
            Assert.Equal("online", first.Text);
        }
        await host.StopAsync(); // the pipeline, then the client, which says stopped and leaves
        await using (var after = await MqttCapture.ConnectAsync(broker.Port, "sv-test/available"))
        {
            await after.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(5));
            var last = Assert.Single(after.Messages);
            Assert.True(last.Retain);
            Assert.Equal("stopped", last.Text);
        }
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Embedded_broker_accepts_a_plain_mqtt311_client_without_a_client_id()
    {
        var port = FreePort.Next();
        await using var broker = await Publish.Mqtt.EmbeddedBroker.StartAsync("127.0.0.1", port);
        var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        var options = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).WithClientId("").WithCleanSession(true).Build();
        var result = await client.ConnectAsync(options);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, result.ResultCode);
        await client.DisconnectAsync();
        client.Dispose();
    }
}
