using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Event clips from an RTSP camera (the GStreamer server playing a cut of the person clip to
/// every client as one stream, H.264 with a key frame every second and no B-frames, as IP cameras
/// send): remuxed, not re-encoded, with the configured pre- and post-capture, playable by ffprobe.</summary>
[Trait("Category", "Slow")]
public sealed class EventClipsTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task An_rtsp_camera_events_clip_covers_the_event_with_its_pre_and_post_capture()
    {
        var clip = TestClips.Cut(_dir, "room.mp4", SharedData.PersonClip, 4.0, 180, "-g", "10", "-bf", "0");
        // Shared, as a camera is: the recorder's second connection joins the same stream, live.
        using var server = RtspTestServer.StartWith(["--shared"], clip, "/room");
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "room", Url = server.Url("/room") } },
            Stages =
            {
                Segmentation = { Enabled = false },
                Detection = { Enabled = true },
                Events =
                {
                    Snapshots = { Dir = Path.Combine(_dir.Path, "snapshots") },
                    Clips = { PreCaptureSeconds = 2, PostCaptureSeconds = 2, SegmentSeconds = 1, Dir = Path.Combine(_dir.Path, "clips"), BufferDir = Path.Combine(_dir.Path, "recording") },
                },
            },
            Models = { SearchPaths = { SharedData.Models } },
            Mqtt = { Port = mqttPort, Prefix = "sv" },
            Http = { Port = httpPort },
            SummaryIntervalSeconds = 0,
        };
        ConfigLoader.Validate(config);
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "sv/#");

        await client.WaitForAsync(m => m.Any(x => x.Topic == "sv/clips"), TimeSpan.FromSeconds(60));
        var announced = JsonDocument.Parse(client.Messages.First(x => x.Topic == "sv/clips").Payload).RootElement;
        Assert.True(SchemaTests.LoadSchemas()["clip"].Evaluate(announced).IsValid, announced.GetRawText());
        var id = announced.GetProperty("event_id").GetString()!;
        var ended = client.Messages.Where(x => x.Topic == "sv/events").Select(x => JsonDocument.Parse(x.Payload).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "end" && e.GetProperty("after").GetProperty("id").GetString() == id).GetProperty("after");
        var seen = (DateTimeOffset.Parse(ended.GetProperty("last_seen").GetString()!, CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(ended.GetProperty("start_time").GetString()!, CultureInfo.InvariantCulture)).TotalSeconds;
        Assert.True(seen > 3, $"the person is in view for seconds, not {seen:0.0} s");

        var file = Path.Combine(_dir.Path, "clips", announced.GetProperty("file").GetString()!);
        var (codec, duration) = Probe(file);
        Assert.Equal("h264", codec); // the camera's own stream, not re-encoded
        // 2 s before the first sight and 2 s after the last; each end falls on a segment (= key frame, 1 s)
        // boundary at or beyond it, so up to one key-frame interval more at each end — and, on a loaded
        // machine, up to one less at the start (the start is placed when the new event passes the router).
        var expected = seen + 2 + 2;
        Assert.InRange(duration, expected - 1, expected + 2 + 0.5);

        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        var fetched = await http.GetAsync($"/api/events/{id}/clip.mp4");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("video/mp4", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new FileInfo(file).Length, (await fetched.Content.ReadAsByteArrayAsync()).Length);
        var listed = JsonDocument.Parse(await http.GetStringAsync("/api/clips?camera=room")).RootElement;
        Assert.Contains(listed.EnumerateArray(), c => c.GetProperty("event_id").GetString() == id);
        var none = await http.GetAsync("/api/events/nope/clip.mp4");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("has no clip", await none.Content.ReadAsStringAsync());
    }

    private static (string Codec, double Seconds) Probe(string file)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name:format=duration", "-of", "json", file])
        {
            start.ArgumentList.Add(a);
        }
        using var probe = Process.Start(start)!;
        var json = JsonDocument.Parse(probe.StandardOutput.ReadToEnd()).RootElement;
        probe.WaitForExit();
        Assert.Equal(0, probe.ExitCode);
        return (json.GetProperty("streams")[0].GetProperty("codec_name").GetString()!, double.Parse(json.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
    }

    public void Dispose() => _dir.Dispose();
}
