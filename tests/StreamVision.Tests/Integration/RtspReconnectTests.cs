using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Real RTSP servers (GStreamer, on 127.0.0.1), real outages.</summary>
[Trait("Category", "Slow")]
public sealed class RtspReconnectTests
{
    private static CameraConfig Rtsp(string id, string url) => new()
    {
        Id = id,
        Url = url,
        Reconnect = new ReconnectConfig { InitialDelaySeconds = 0.5, MaxDelaySeconds = 4 },
    };

    private sealed record Status(string State, DateTimeOffset At, double? RetryInMs, string Url, string? Message);

    private static List<Status> Statuses(MqttCapture capture, string camera) => capture.Messages
        .Where(m => m.Topic == $"rt/{camera}/status")
        .Select(m => (m.At, Doc: JsonDocument.Parse(m.Payload).RootElement))
        .Select(x => new Status(
            x.Doc.GetProperty("state").GetString()!,
            x.At,
            x.Doc.TryGetProperty("retry_in_ms", out var r) ? r.GetDouble() : null,
            x.Doc.GetProperty("url").GetString()!,
            x.Doc.TryGetProperty("message", out var msg) ? msg.GetString() : null))
        .ToList();

    private static List<(long Seq, double Pts)> Frames(MqttCapture capture, string camera) => capture.Messages
        .Where(m => m.Topic == $"rt/{camera}/segmentation")
        .Select(m => JsonDocument.Parse(m.Payload).RootElement)
        .Select(d => (d.GetProperty("seq").GetInt64(), d.GetProperty("pts").GetDouble()))
        .ToList();

    [Fact]
    public async Task Camera_resumes_after_each_of_ten_server_restarts_and_the_other_camera_never_misses_a_beat()
    {
        using var flaky = RtspTestServer.Start(SharedData.PersonClip, "/flaky");
        using var steady = RtspTestServer.Start(SharedData.PersonClip, "/steady");
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { Rtsp("flaky", flaky.Url("/flaky", "viewer:s3cret")), Rtsp("steady", steady.Url("/steady")) },
            Mqtt = { Port = port, Prefix = "rt" },
            Http = { Enabled = false },
            Live = { Queue = 2 },
        };
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "rt/#");
        var restarts = new List<DateTimeOffset>();
        long steadyDecoded = 0, steadyReconnects = 0, steadyDropped = 0;
        var steadyClock = new System.Diagnostics.Stopwatch();
        double baselineRate;
        var random = new Random(7);
        try
        {
            await capture.WaitForAsync(m => Frames(capture, "flaky").Count > 10 && Frames(capture, "steady").Count > 10, TimeSpan.FromSeconds(30));
            // Baseline: the steady camera's decode rate on this machine, now, before any outage.
            var steadySource = host.Pipeline.Sources.Single(src => src.CameraId == "steady");
            var quiet = System.Diagnostics.Stopwatch.StartNew();
            var decodedBefore = steadySource.Stats.Decoded;
            await Task.Delay(3000);
            baselineRate = (steadySource.Stats.Decoded - decodedBefore) / quiet.Elapsed.TotalSeconds;
            steadyDecoded = steadySource.Stats.Decoded;
            steadyClock.Start();
            for (var i = 0; i < 10; i++)
            {
                flaky.StopServer();
                await Task.Delay(TimeSpan.FromSeconds(1 + 4 * random.NextDouble()));
                flaky.StartServer();
                restarts.Add(DateTimeOffset.UtcNow);
                var streamingBefore = Statuses(capture, "flaky").Count(s => s.State == "streaming");
                await capture.WaitForAsync(_ => Statuses(capture, "flaky").Count(s => s.State == "streaming") > streamingBefore, TimeSpan.FromSeconds(15));
                await Task.Delay(1500); // let it stream a little before the next outage
            }
        }
        finally
        {
            var steadySource = host.Pipeline.Sources.Single(src => src.CameraId == "steady");
            steadyDecoded = steadySource.Stats.Decoded - steadyDecoded;
            steadyReconnects = steadySource.Stats.Reconnects;
            steadyDropped = host.Pipeline.StageStats.Single(st => st.CameraId == "steady").Dropped;
            steadyClock.Stop();
            await host.StopAsync();
            await capture.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
            await host.DisposeAsync();
        }

        var flakyStatus = Statuses(capture, "flaky");
        var streamingAt = flakyStatus.Where(s => s.State == "streaming").Select(s => s.At).ToList();
        Assert.True(streamingAt.Count >= 11, $"expected the first connection and 10 recoveries, saw {streamingAt.Count} streaming transitions");
        // Each recovery: the time from the moment the successful retry was due (or the server came back,
        // if later) to streaming is a connection's cost on this machine (ffmpeg, RTSP, first picture).
        // Baseline: its median over the ten recoveries; none may take more than three times that plus
        // half a second, so a recovery that waited for anything else (an extra backoff, a stall) shows.
        var recoveries = restarts.Select(restart =>
        {
            var resumed = streamingAt.First(t => t > restart);
            var retry = flakyStatus.Last(s => s.State == "reconnecting" && s.At < resumed);
            var due = retry.At.AddMilliseconds(retry.RetryInMs!.Value);
            return (Restart: restart, Resumed: resumed, Backoff: retry.RetryInMs!.Value, Connect: (resumed - (due > restart ? due : restart)).TotalMilliseconds);
        }).ToList();
        var typical = recoveries.Select(r => r.Connect).Order().ElementAt(recoveries.Count / 2);
        foreach (var r in recoveries)
        {
            var took = (r.Resumed - r.Restart).TotalMilliseconds;
            Assert.True(took <= r.Backoff + 3 * typical + 500, $"resumed {took:0} ms after the server came back; backoff was {r.Backoff:0} ms, a connection typically takes {typical:0} ms");
        }
        // Every outage shows on the status topic: at least one reconnecting transition per outage.
        Assert.True(flakyStatus.Count(s => s.State == "reconnecting") >= 10, string.Join(", ", flakyStatus.Select(s => s.State)));
        Assert.All(flakyStatus, s => Assert.DoesNotContain("s3cret", s.Url + s.Message));
        Assert.All(flakyStatus, s => Assert.Contains("viewer:***@", s.Url));

        foreach (var camera in new[] { "flaky", "steady" })
        {
            var frames = Frames(capture, camera);
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Seq > p.First.Seq), $"{camera}: seq must strictly increase");
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Pts > p.First.Pts), $"{camera}: pts must strictly increase across reconnects");
        }
        var steadyStatus = Statuses(capture, "steady");
        Assert.Equal(["streaming"], steadyStatus.Select(s => s.State).Where(s => s != "connecting" && s != "ended").Distinct());
        Assert.Equal(0, steadyReconnects);
        // The steady camera kept its rate through all ten outages of the other one: at least 90 % of
        // its own rate measured before them.
        var rate = steadyDecoded / steadyClock.Elapsed.TotalSeconds;
        Assert.True(rate >= 0.9 * baselineRate, $"the steady camera decoded {rate:0.0} fps while the other camera was failing, {baselineRate:0.0} fps before");
        var steadyFrames = Frames(capture, "steady");
        var gaps = steadyFrames.Zip(steadyFrames.Skip(1)).Select(p => p.Second.Pts - p.First.Pts).ToList();
        Assert.True(gaps.Max() < 1.0, $"the steady camera's results had a {gaps.Max():0.00} s gap ({steadyDropped} frames dropped by its busy stage)");
    }

    [Fact]
    public async Task Bad_urls_are_reported_with_the_password_masked_and_retried_without_a_busy_loop()
    {
        using var server = RtspTestServer.Start(SharedData.PersonClip, "/real");
        using var garbage = new GarbageServer();
        var port = FreePort.Next();
        var closedPort = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "ok", Url = "synthetic://p?fps=10" } },
            Mqtt = { Port = port, Prefix = "rt" },
            Http = { Enabled = false },
        };
        CameraConfig[] bad =
        [
            Rtsp("unreachable", $"rtsp://admin:hunter2@127.0.0.1:{closedPort}/stream"),
            Rtsp("wrongpath", server.Url("/nope", "admin:hunter2")),
            Rtsp("notvideo", $"rtsp://admin:hunter2@127.0.0.1:{port}/mqtt-is-not-video"),
            Rtsp("garbage", $"rtsp://admin:hunter2@127.0.0.1:{garbage.Port}/cam"),
        ];
        foreach (var camera in bad)
        {
            camera.ConnectTimeoutSeconds = 3;
        }
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "rt/#");
        var window = TimeSpan.FromSeconds(8);
        async Task<(TimeSpan Cpu, long Frames)> Measure()
        {
            var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var framesBefore = host.Pipeline.Source("ok")!.Stats.Decoded;
            await Task.Delay(window);
            return (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore, host.Pipeline.Source("ok")!.Stats.Decoded - framesBefore);
        }
        // Baseline: this process's CPU and the healthy camera's frames over the window, healthy camera alone.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (baselineCpu, baselineFrames) = await Measure();
        foreach (var camera in bad)
        {
            await host.Cameras.AddAsync(camera);
        }
        await Task.Delay(TimeSpan.FromSeconds(4)); // let the first attempts fail
        var attemptsBefore = host.Pipeline.Sources.Where(s => s.CameraId != "ok").Sum(s => s.Stats.Reconnects);
        var (cpu, okFrames) = await Measure();
        var attempts = host.Pipeline.Sources.Where(s => s.CameraId != "ok").Sum(s => s.Stats.Reconnects) - attemptsBefore;
        await host.DisposeAsync();

        foreach (var camera in new[] { "unreachable", "wrongpath", "notvideo", "garbage" })
        {
            var reconnecting = Statuses(capture, camera).Where(s => s.State == "reconnecting").ToList();
            Assert.NotEmpty(reconnecting);
            Assert.All(reconnecting, s =>
            {
                Assert.Contains("admin:***@127.0.0.1", s.Message);
                Assert.DoesNotContain("hunter2", s.Message + s.Url);
            });
        }
        // Backoff doubles to 4 s: over 8 s the four cameras try a handful of times each, not hundreds.
        Assert.InRange(attempts, 1, 4 * 6);
        // Retrying four cameras costs this process less than a quarter of one core over the baseline
        // (a busy loop would cost a whole core), and the healthy camera keeps 90 % of its frames.
        Assert.True(cpu - baselineCpu < window / 4, $"retrying used {cpu.TotalMilliseconds:0} ms of CPU in {window.TotalSeconds} s, {baselineCpu.TotalMilliseconds:0} ms without the failing cameras");
        Assert.True(okFrames >= 0.9 * baselineFrames, $"the healthy camera delivered {okFrames} frames meanwhile, {baselineFrames} before");
    }

    [Fact]
    public async Task A_camera_that_hangs_is_detected_as_a_stall_reconnected_and_shutdown_does_not_wait_for_it()
    {
        using var server = RtspTestServer.Start(SharedData.PersonClip, "/cam");
        var port = FreePort.Next();
        var camera = Rtsp("hang", server.Url("/cam"));
        camera.StallFrames = 15; // 1.5 s at 10 fps
        var config = new ServiceConfig { Cameras = { camera }, Mqtt = { Port = port, Prefix = "rt" }, Http = { Enabled = false } };
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "rt/#");
        await capture.WaitForAsync(_ => Frames(capture, "hang").Count > 10, TimeSpan.FromSeconds(20));

        server.Freeze();
        await capture.WaitForAsync(_ => Statuses(capture, "hang").Any(s => s.State == "reconnecting"), TimeSpan.FromSeconds(10));
        var stall = Statuses(capture, "hang").First(s => s.State == "reconnecting");
        Assert.Contains("stall", stall.Message);

        server.Thaw();
        var streamingBefore = Statuses(capture, "hang").Count(s => s.State == "streaming");
        await capture.WaitForAsync(_ => Statuses(capture, "hang").Count(s => s.State == "streaming") > streamingBefore, TimeSpan.FromSeconds(20));
        Assert.True(Statuses(capture, "hang").Count(s => s.State == "streaming") > streamingBefore, "the camera did not come back after the hang");

        // A second camera whose stall timeout is 30 s: hang the server and stop the service while its
        // ffmpeg is blocked. A shutdown that waited for the decoder would take the 30 s; it must take
        // a third of that at most.
        var patient = Rtsp("patient", server.Url("/cam"));
        patient.StallFrames = 300;
        await host.Cameras.AddAsync(patient);
        await capture.WaitForAsync(_ => Frames(capture, "patient").Count > 5, TimeSpan.FromSeconds(20));
        server.Freeze();
        await Task.Delay(500);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown waited {clock.Elapsed.TotalSeconds:0.0} s on a blocked decoder");
        await host.DisposeAsync();
        server.Thaw();
    }
}
