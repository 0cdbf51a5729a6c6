using System.Net;
using System.Text;
using System.Text.Json;
using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The live service with events and Home Assistant discovery: real YOLOX on a cut of the
/// person clip (one person walks in and out, looped), a real MQTT subscriber over TCP, the REST API.</summary>
[Trait("Category", "Slow")]
public sealed class EventsLiveTests : IDisposable
{
    private readonly TempDir _dir = new();

    private ServiceConfig Config(int mqttPort, int httpPort, string clip) => new()
    {
        Cameras =
        {
            new CameraConfig
            {
                Id = "room", Url = clip, Loop = true, Speed = 2,
                Zones = { new ZoneConfig { Name = "right_half", Points = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] } },
                Lines = { new LineConfig { Name = "middle", Points = [[0.5, 0], [0.5, 1]] } },
            },
        },
        Stages =
        {
            Segmentation = { Enabled = false },
            Detection = { Enabled = true },
            Flow = { Enabled = true, PublishField = false },
            Events = { Snapshots = { Dir = Path.Combine(_dir.Path, "snapshots") } },
        },
        Models = { SearchPaths = { SharedData.Models } },
        Mqtt = { Port = mqttPort, Prefix = "sv" },
        Http = { Port = httpPort },
        HomeAssistant = { Enabled = true },
        SummaryIntervalSeconds = 0,
    };

    [Fact]
    public async Task Events_snapshots_rest_and_home_assistant_discovery_on_a_running_service()
    {
        // Frames 40-220 of the person clip: the room, a woman walks in and out, the room again.
        var clip = TestClips.Cut(_dir, "room.mp4", SharedData.PersonClip, 4.0, 180);
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var config = Config(mqttPort, httpPort, clip);
        ConfigLoader.Validate(config);
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "#");

        // One whole event: new … end (the track ends when she leaves, or when the clip loops).
        await client.WaitForAsync(m => m.Any(x => x.Topic == "sv/events" && x.Text.Contains("\"type\":\"end\"")), TimeSpan.FromSeconds(60));
        var schemas = SchemaTests.LoadSchemas();
        var events = client.Messages.Where(x => x.Topic == "sv/events").Select(x => JsonDocument.Parse(x.Payload).RootElement).ToList();
        Assert.All(events, e => Assert.True(schemas["event"].Evaluate(e).IsValid, e.GetRawText()));
        // An event this subscriber saw from its start (the first could have begun before it subscribed).
        string IdOf(JsonElement e) => e.GetProperty("after").GetProperty("id").GetString()!;
        var seenNew = events.Where(e => e.GetProperty("type").GetString() == "new").Select(IdOf).ToHashSet();
        var ended = events.First(e => e.GetProperty("type").GetString() == "end" && seenNew.Contains(IdOf(e))).GetProperty("after");
        var id = ended.GetProperty("id").GetString()!;
        var mine = events.Where(e => IdOf(e) == id).Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("new", mine[0]);
        Assert.Single(mine, t => t == "end");
        Assert.Equal("person", ended.GetProperty("label").GetString());
        Assert.True(ended.GetProperty("has_snapshot").GetBoolean());
        Assert.All(client.Messages.Where(x => x.Topic == "sv/room/events").Take(20), x => Assert.True(schemas["events"].Evaluate(JsonDocument.Parse(x.Payload).RootElement).IsValid, x.Text));

        // The snapshot: retained on <prefix>/<camera>/<label>/snapshot for whoever subscribes later, and on disk.
        await using (var late = await MqttCapture.ConnectAsync(mqttPort, "sv/room/person/snapshot"))
        {
            await late.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(10));
            var snapshot = late.Messages.First();
            Assert.True(snapshot.Retain);
            Assert.Equal("image/jpeg", snapshot.ContentType);
            using var image = Cv2.ImDecode(snapshot.Payload, ImreadModes.Color);
            Assert.False(image.Empty());
            Assert.True(image.Height > 100, "a person standing in the room fills much of the picture's height");
        }
        Assert.True(File.Exists(Path.Combine(_dir.Path, "snapshots", "room", "snapshots", id + ".jpg")));

        // REST: the recent events, one by id, its snapshot; a clear 404 for an unknown one.
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        var list = JsonDocument.Parse(await http.GetStringAsync("/api/events?camera=room")).RootElement;
        Assert.Contains(list.EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        var one = JsonDocument.Parse(await http.GetStringAsync($"/api/events/{id}")).RootElement;
        Assert.Equal(ended.GetProperty("track_id").GetInt32(), one.GetProperty("track_id").GetInt32());
        var jpeg = await http.GetAsync($"/api/events/{id}/snapshot.jpg");
        Assert.Equal(HttpStatusCode.OK, jpeg.StatusCode);
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
        using (var decoded = Cv2.ImDecode(await jpeg.Content.ReadAsByteArrayAsync(), ImreadModes.Color))
        {
            Assert.False(decoded.Empty());
        }
        var missing = await http.GetAsync("/api/events/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no event 'nope'", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/events?limit=0")).StatusCode);

        // Home Assistant: every entity's config is retained with the keys HA documents…
        var discovery = client.Messages.Where(x => x.Topic.StartsWith("homeassistant/", StringComparison.Ordinal) && x.Topic.EndsWith("/config", StringComparison.Ordinal)).ToList();
        var expected = new[]
        {
            "homeassistant/sensor/sv/room_person_count/config", "homeassistant/binary_sensor/sv/room_person_present/config",
            "homeassistant/sensor/sv/room_zone_right_half_count/config", "homeassistant/sensor/sv/room_line_middle_right/config",
            "homeassistant/sensor/sv/room_line_middle_left/config", "homeassistant/binary_sensor/sv/room_motion/config",
        };
        Assert.Equal(expected.Order(), discovery.Select(x => x.Topic).Distinct().Order());
        Assert.All(discovery, x =>
        {
            var c = JsonDocument.Parse(x.Payload).RootElement;
            foreach (var key in new[] { "name", "unique_id", "state_topic", "availability", "device" })
            {
                Assert.True(c.TryGetProperty(key, out _), $"{x.Topic} has no '{key}'");
            }
            Assert.Equal("sv/available", c.GetProperty("availability")[0].GetProperty("topic").GetString());
            Assert.Equal("room", c.GetProperty("device").GetProperty("name").GetString());
        });
        Assert.Equal(expected.Length, discovery.Select(x => JsonDocument.Parse(x.Payload).RootElement.GetProperty("unique_id").GetString()).Distinct().Count());
        await using (var ha = await MqttCapture.ConnectAsync(mqttPort, "homeassistant/#"))
        {
            await ha.WaitForAsync(m => m.Count >= expected.Length, TimeSpan.FromSeconds(10));
            Assert.All(ha.Messages, x => Assert.True(x.Retain, x.Topic));
            // …each state topic holds a retained value…
            foreach (var config1 in ha.Messages.Select(x => JsonDocument.Parse(x.Payload).RootElement))
            {
                var stateTopic = config1.GetProperty("state_topic").GetString()!;
                await using var state = await MqttCapture.ConnectAsync(mqttPort, stateTopic);
                await state.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(10));
                Assert.Matches(config1.GetProperty("name").GetString()!.EndsWith("present") || stateTopic.EndsWith("motion") ? "^(ON|OFF)$" : "^[0-9]+$", state.Messages.First().Text);
            }
            // …and everything is announced again when Home Assistant's birth message arrives.
            var before = ha.Messages.Count;
            await ha.PublishAsync("homeassistant/status", "online");
            await ha.WaitForAsync(m => m.Count >= before + expected.Length, TimeSpan.FromSeconds(10));
        }
        // The live page lists the event with its snapshot, loaded.
        await using (var browser = await HeadlessChromium.StartAsync())
        {
            await browser.NavigateAsync(host.Http.Address.ToString());
            const string listed = "[...document.querySelectorAll('#events li')].some(li => li.dataset.event === '{0}' && li.querySelector('img') && li.querySelector('img').complete && li.querySelector('img').naturalWidth > 0)";
            var script = string.Format(System.Globalization.CultureInfo.InvariantCulture, listed, id);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((bool?)await browser.EvaluateAsync(script) != true && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
            Assert.True((bool?)await browser.EvaluateAsync(script), "the live page does not list the event with its snapshot");
            Assert.Contains("person #", (string?)await browser.EvaluateAsync($"document.querySelector('#events li[data-event=\"{id}\"]').textContent"));
        }
        // The person was present, and a count went up and back to zero.
        Assert.Contains(client.Messages, x => x.Topic == "sv/room/person/present" && x.Text == "ON");
        var counts = client.Messages.Where(x => x.Topic == "sv/room/person/count").Select(x => x.Text).ToList();
        Assert.Contains("1", counts);
        Assert.Contains("0", counts[counts.IndexOf("1")..]);
    }

    public void Dispose() => _dir.Dispose();
}
