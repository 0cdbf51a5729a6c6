using System.Text;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Frigate-style command pairs over a real broker: …/&lt;setting&gt;/set applied and echoed,
/// retained, on …/state; refused commands answered and changing nothing; login and command rights.</summary>
[Trait("Category", "Integration")]
public sealed class CommandTests
{
    private static ServiceConfig TwoCameras(int port, params BrokerUserConfig[] users) => new()
    {
        Cameras =
        {
            new CameraConfig { Id = "a", Url = "synthetic://p?width=160&height=96&fps=20" },
            new CameraConfig { Id = "b", Url = "synthetic://p?width=160&height=96&fps=20" },
        },
        Stages = { Segmentation = { PublishMask = false } },
        Mqtt = { Port = port, Prefix = "c", Embedded = { Users = users.ToList() }, StatsIntervalSeconds = 0.5 },
        Http = { Enabled = false },
        SummaryIntervalSeconds = 0,
    };

    private static int Count(MqttCapture capture, string topic, DateTimeOffset after) => capture.Messages.Count(m => m.Topic == topic && m.At > after);

    [Fact]
    public async Task A_stage_switched_off_stops_for_that_camera_only_and_its_state_is_echoed_retained()
    {
        var port = FreePort.Next();
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(TwoCameras(port), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(port, "c/#");
        await client.WaitForAsync(m => m.Any(x => x.Topic == "c/a/segmentation/state"), TimeSpan.FromSeconds(5));
        Assert.Contains(client.Messages, m => m.Topic == "c/a/segmentation/state" && m.Text == "ON" && m.Retain);
        Assert.Contains(client.Messages, m => m.Topic == "c/a/max_fps/state" && m.Text == "none");

        await client.PublishAsync("c/a/segmentation/set", "OFF");
        await client.WaitForAsync(m => m.Any(x => x.Topic == "c/a/segmentation/state" && x.Text == "OFF"), TimeSpan.FromSeconds(5));
        await Task.Delay(300); // frames already inside the stage finish
        var off = DateTimeOffset.UtcNow;
        await Task.Delay(1000);
        Assert.Equal(0, Count(client, "c/a/segmentation", off));
        Assert.True(Count(client, "c/b/segmentation", off) >= 10, "the other camera keeps running");

        await client.PublishAsync("c/a/segmentation/set", "on");
        var on = DateTimeOffset.UtcNow;
        await client.WaitForAsync(_ => Count(client, "c/a/segmentation", on) >= 5, TimeSpan.FromSeconds(5));
        Assert.True(Count(client, "c/a/segmentation", on) >= 5);

        // A new subscriber sees the current value (retained).
        await using var late = await MqttCapture.ConnectAsync(port, "c/a/segmentation/state");
        await late.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(3));
        Assert.Equal("ON", Assert.Single(late.Messages).Text);

        // Stats arrive periodically with both cameras.
        await client.WaitForAsync(m => m.Any(x => x.Topic == "c/stats"), TimeSpan.FromSeconds(3));
        var stats = JsonDocument.Parse(client.Messages.Last(m => m.Topic == "c/stats").Payload).RootElement;
        Assert.Equal(["a", "b"], stats.GetProperty("cameras").EnumerateArray().Select(c => c.GetProperty("camera").GetString()));
        Assert.True(stats.GetProperty("mqtt").GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task Max_fps_changes_the_rate_while_running()
    {
        var port = FreePort.Next();
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(TwoCameras(port), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(port, "c/#");
        await client.PublishAsync("c/a/max_fps/set", "4");
        await client.WaitForAsync(m => m.Any(x => x.Topic == "c/a/max_fps/state" && x.Text == "4"), TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        // Counted by the sources themselves (results at QoS 0 may be lost on a loaded machine), over
        // a window timed here: camera a may deliver at most 4 a second now, b keeps its own rate.
        long Delivered(string camera) => host.Pipeline.Sources.Single(x => x.CameraId == camera).Stats.Decoded;
        var (a0, b0) = (Delivered("a"), Delivered("b"));
        var window = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(2000);
        var (slowed, untouched) = (Delivered("a") - a0, Delivered("b") - b0);
        var seconds = window.Elapsed.TotalSeconds;
        Assert.InRange(slowed, 1, (long)Math.Ceiling(4 * seconds * 1.5) + 2); // 4 fps, with room for a late source catching up
        Assert.True(untouched > 2 * slowed, $"camera b delivered {untouched} frames in {seconds:0.0} s, camera a (4 fps) {slowed}");
    }

    [Fact]
    public async Task Malformed_commands_get_an_error_reply_and_change_nothing()
    {
        var port = FreePort.Next();
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(TwoCameras(port), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(port, "c/#");

        await client.PublishAsync("c/a/segmentation/set", "MAYBE");
        await client.PublishAsync("c/a/max_fps/set", "-3");
        await client.PublishAsync("c/a/colour/set", "ON");
        await client.PublishAsync("c/nope/segmentation/set", "OFF");
        await client.PublishAsync("c/a/segmentation/set", new string('x', 10_000));
        // Hostile sizes never reach the service: the embedded broker refuses them on input topics.
        var huge = await client.PublishAsync("c/a/segmentation/set", new byte[1_000_000]);
        Assert.Equal(MQTTnet.MqttClientPublishReasonCode.QuotaExceeded, huge.ReasonCode);
        await client.PublishAsync("c/a/max_fps/set", new byte[] { 0xff, 0xfe, 0x00 });
        // An MQTT 5 request: the answer goes to its response topic with its correlation data.
        await client.PublishAsync("c/a/segmentation/set", Encoding.UTF8.GetBytes("sideways"), responseTopic: "c/replies/me", correlation: [1, 2, 3]);

        await client.WaitForAsync(m => m.Count(x => x.Topic.EndsWith("/error")) >= 6 && m.Any(x => x.Topic == "c/replies/me"), TimeSpan.FromSeconds(5));
        string Error(string topic) => JsonDocument.Parse(client.Messages.First(m => m.Topic == topic).Payload).RootElement.GetProperty("error").GetString()!;
        var errors = client.Messages.Where(m => m.Topic.EndsWith("/error")).Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("error").GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("takes ON or OFF, not 'MAYBE'"));
        Assert.Contains(errors, e => e.Contains("max_fps '-3' is not a frame rate"));
        Assert.Contains("'colour' is not a setting", Error("c/a/colour/error"));
        Assert.Contains("no camera 'nope'", Error("c/nope/segmentation/error"));
        Assert.Contains(errors, e => e.Contains("10000 bytes refused"));
        Assert.Contains(errors, e => e.Contains("not UTF-8"));
        var reply = client.Messages.First(m => m.Topic == "c/replies/me");
        Assert.Equal([1, 2, 3], reply.CorrelationData);
        Assert.Contains("not 'sideways'", JsonDocument.Parse(reply.Payload).RootElement.GetProperty("error").GetString());

        // Nothing changed.
        Assert.True(host.Pipeline.IsStageEnabled("a", "segmentation"));
        Assert.Null(host.Pipeline.Source("a")!.MaxFps);
        Assert.DoesNotContain(client.Messages, m => m.Topic.EndsWith("/state") && m.Text != "ON" && m.Text != "none");
    }

    [Fact]
    public async Task With_users_the_embedded_broker_wants_a_login_and_only_commanders_may_command()
    {
        var port = FreePort.Next();
        using var loggers = TestLogging.Quiet();
        var config = TwoCameras(port,
            new BrokerUserConfig { Username = "viewer", Password = "look" },
            new BrokerUserConfig { Username = "pilot", Password = "steer", Commands = true });
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);

        // Refused for the reason that matters, not for any failure at all (a closed port would also throw).
        Assert.Contains("BadUserNameOrPassword", await LoginResult(port, "viewer", "wrong"));
        Assert.Contains("BadUserNameOrPassword", await LoginResult(port, null, null));
        Assert.Equal("Success", await LoginResult(port, "viewer", "look"));

        await using var viewer = await MqttCapture.ConnectAsync(port, "c/#", username: "viewer", password: "look");
        var refused = await viewer.PublishAsync("c/a/segmentation/set", Encoding.UTF8.GetBytes("OFF"));
        Assert.Equal(MQTTnet.MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        await viewer.WaitForAsync(m => m.Count(x => x.Topic == "c/a/segmentation") > 3, TimeSpan.FromSeconds(5));
        Assert.True(host.Pipeline.IsStageEnabled("a", "segmentation"));

        await using var pilot = await MqttCapture.ConnectAsync(port, "c/#", username: "pilot", password: "steer");
        var accepted = await pilot.PublishAsync("c/a/segmentation/set", Encoding.UTF8.GetBytes("OFF"));
        Assert.True(accepted.IsSuccess);
        await viewer.WaitForAsync(m => m.Any(x => x.Topic == "c/a/segmentation/state" && x.Text == "OFF"), TimeSpan.FromSeconds(5));
        Assert.False(host.Pipeline.IsStageEnabled("a", "segmentation"));
    }

    /// <summary>What the broker answers a login: the result code of one connection attempt (MQTTnet
    /// reports a refusal as an exception naming the code).</summary>
    private static async Task<string> LoginResult(int port, string? username, string? password)
    {
        using var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        var builder = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("login-" + Guid.NewGuid().ToString("N")[..8]);
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }
        try
        {
            var result = await client.ConnectAsync(builder.Build());
            await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptionsBuilder().Build());
            return result.ResultCode.ToString();
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            return e.Message;
        }
    }
}
