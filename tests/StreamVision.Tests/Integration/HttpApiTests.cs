using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The HTTP side against a running service: health, Prometheus metrics, REST control of
/// cameras while others run, settings, and the latest result of a stage.</summary>
[Trait("Category", "Integration")]
public sealed class HttpApiTests
{
    private static ServiceConfig Config(int mqttPort, int httpPort) => new()
    {
        Cameras = { new CameraConfig { Id = "a", Url = "synthetic://p?width=320&height=180&fps=20" } },
        Mqtt = { Port = mqttPort, Prefix = "h" },
        Http = { Port = httpPort },
        SummaryIntervalSeconds = 0,
    };

    /// <summary>An HTTP port already taken is one clear error, and everything started before it —
    /// the embedded broker, the publisher, the cameras — is released once: the same MQTT port can be
    /// used again at once, and no second disposal throws over the real error.</summary>
    [Fact]
    public async Task A_busy_http_port_fails_the_start_cleanly_and_releases_the_broker()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, httpPort);
        squatter.Start();
        using var loggers = TestLogging.Quiet();

        var e = await Assert.ThrowsAsync<StreamVision.Pipelines.Configuration.ConfigurationException>(() => ServiceHost.StartAsync(Config(mqttPort, httpPort), loggers, CancellationToken.None));
        Assert.Contains($"http: cannot listen on 127.0.0.1:{httpPort}", e.Message);

        squatter.Stop();
        await using var again = await ServiceHost.StartAsync(Config(mqttPort, FreePort.Next()), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "h/#");
        await client.WaitForAsync(m => m.Any(x => x.Topic == "h/a/segmentation"), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Health_readiness_and_metrics()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config(mqttPort, httpPort), loggers, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Http!.Address };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage ready;
        while ((ready = await http.GetAsync("readyz")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await Task.Delay(1500);

        var metrics = await http.GetStringAsync("metrics");
        Assert.Matches(@"streamvision_camera_frames\S*\{[^}]*camera=""a""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"streamvision_stage_latency\S*_bucket\{[^}]*stage=""segmentation""", metrics);
        Assert.Matches(@"streamvision_frame_age\S*_count\{[^}]*camera=""a""", metrics);
        Assert.Contains("streamvision_mqtt_queue", metrics);
        Assert.Matches(@"streamvision_stage_provider\S*\{[^}]*provider=""cpu""", metrics);
        Assert.Matches(@"streamvision_stage_allocated\S*\{[^}]*stage=""segmentation""[^}]*\} \d", metrics);

        // Not ready once no camera streams (the only camera removed).
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("api/cameras/a")).StatusCode);
        var notReady = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("no camera is streaming", await notReady.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cameras_are_added_and_removed_while_another_keeps_running()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config(mqttPort, httpPort), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "h/+/segmentation");
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        List<long> Seqs(string camera) => client.Messages.Where(m => m.Topic == $"h/{camera}/segmentation")
            .Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToList();

        var added = await http.PostAsJsonAsync("api/cameras", new { id = "b", url = "synthetic://p?width=160&height=90&fps=10" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await client.WaitForAsync(_ => Seqs("b").Count >= 5, TimeSpan.FromSeconds(10));
        Assert.True(Seqs("b").Count >= 5);

        var cameras = JsonDocument.Parse(await http.GetStringAsync("api/cameras")).RootElement;
        Assert.Equal(["a", "b"], cameras.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("streaming", cameras[1].GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsJsonAsync("api/cameras", new { id = "b", url = "synthetic://p" })).StatusCode);
        var bad = await http.PostAsJsonAsync("api/cameras", new { id = "c", url = "synthetic://p", colour = "red" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("colour", await bad.Content.ReadAsStringAsync());
        var unopenable = await http.PostAsJsonAsync("api/cameras", new { id = "d", url = "/no/such/file.mp4" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unopenable.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("api/cameras/b")).StatusCode);
        var removedAt = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("api/cameras/b")).StatusCode);
        await Task.Delay(1000);
        Assert.DoesNotContain(client.Messages, m => m.Topic == "h/b/segmentation" && m.At > removedAt.AddMilliseconds(200));

        // Camera a ran through all of it without a gap in its sequence numbers beyond live drops.
        var a = Seqs("a");
        Assert.True(a.Count >= 20, $"camera a delivered {a.Count}");
        Assert.True(a.Zip(a.Skip(1)).All(p => p.Second > p.First));
        Assert.Equal(0, host.Pipeline.StageStats.Where(s => s.CameraId == "a").Sum(s => s.Errors));
    }

    [Fact]
    public async Task Settings_and_the_latest_result_over_rest()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config(mqttPort, httpPort), loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "h/a/max_fps/state");
        using var http = new HttpClient { BaseAddress = host.Http!.Address };

        var set = await http.PutAsync("api/cameras/a/settings/max_fps", new StringContent("5"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(5.0, host.Pipeline.Source("a")!.MaxFps);
        await client.WaitForAsync(m => m.Any(x => x.Text == "5"), TimeSpan.FromSeconds(3));
        Assert.Contains(client.Messages, m => m.Text == "5"); // REST changes are echoed on MQTT too
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("api/cameras/a/settings/max_fps", new StringContent("fast"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsync("api/cameras/zz/settings/max_fps", new StringContent("5"))).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        HttpResponseMessage latest;
        while ((latest = await http.GetAsync("api/cameras/a/stages/segmentation/latest")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var json = JsonDocument.Parse(await latest.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("a", json.GetProperty("camera").GetString());
        var png = await http.GetByteArrayAsync("api/cameras/a/stages/segmentation/latest/mask");
        using var mask = Cv2.ImDecode(png, ImreadModes.Unchanged);
        Assert.Equal(json.GetProperty("mask").GetProperty("width").GetInt32(), mask.Width);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/cameras/a/stages/colour/latest")).StatusCode);

        var stages = JsonDocument.Parse(await http.GetStringAsync("api/stages")).RootElement;
        Assert.Equal("reference_color_segmentation", stages[0].GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_taken_http_port_is_a_clear_configuration_error()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, httpPort);
        blocker.Start();
        using var loggers = TestLogging.Quiet();
        var e = await Assert.ThrowsAsync<Pipelines.Configuration.ConfigurationException>(() => ServiceHost.StartAsync(Config(mqttPort, httpPort), loggers, CancellationToken.None));
        Assert.Contains($"cannot listen on 127.0.0.1:{httpPort}", e.Message);
        Assert.Contains("http.port", e.Message);
    }
}
