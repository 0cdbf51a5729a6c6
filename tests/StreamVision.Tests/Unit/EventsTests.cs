using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Tracking;
using Det = StreamVision.Pipelines.Detection.Detection;

namespace StreamVision.Tests.Unit;

/// <summary>Zones, lines and events on a drawn scene whose truth is known by construction: five
/// coloured people on a 640×360 picture at 30 fps, tracked by the real ByteTrack, through the real
/// events logic with real frames (snapshots are cut from them).</summary>
public sealed class EventsTests
{
    private const int Width = 640, Height = 360, Frames = 180;

    /// <summary>A person's box (40×80) per frame, from where they stand (the middle of the box's
    /// bottom edge); null while hidden or gone.</summary>
    private sealed record Person(string Name, Scalar Colour, Func<int, (double X, double Y)?> Feet);

    private static readonly Person[] People =
    [
        // A walks right along y 250: into the door zone at x 200, out at 320, across the gate (x 480) to the right.
        new("A", new Scalar(0, 0, 255), f => f < 140 ? (40 + 4 * f, 250) : null),
        // B walks left along y 300 from x 620 to 382: across the gate to the left, never as far as the door.
        new("B", new Scalar(0, 255, 0), f => f < 120 ? (620 - 2 * f, 300) : null),
        // C walks down at x 100 from y 84: across the mid line (y 100) downwards.
        new("C", new Scalar(255, 0, 0), f => f < 128 ? (100, 84 + 2 * f) : null),
        // D stands in the door the whole time.
        new("D", new Scalar(0, 255, 255), _ => (240, 200)),
        // E stands in the door and is hidden for 6 frames (0.2 s): it stays in the zone, with one id.
        new("E", new Scalar(255, 0, 255), f => f is >= 50 and < 56 ? null : (290, 320)),
    ];

    private static readonly CameraZones Zones = new(
        [new ZoneDefinition("door", [new(200, 150), new(320, 150), new(320, 330), new(200, 330)], Normalized: false, new HashSet<string>())],
        [
            new LineDefinition("gate", new(0.75, 0), new(0.75, 1), Normalized: true, new HashSet<string>()),
            new LineDefinition("mid", new(0, 100), new(640, 100), Normalized: false, new HashSet<string>()),
        ]);

    private sealed record Run(List<EventsResult> Results, Dictionary<string, int> TrackOf, Dictionary<int, Scalar> ColourOf);

    /// <param name="eventsEvery">The events stage sees every n-th frame only (a busy live stage drops the rest); the tracker sees all.</param>
    private static Run Play(EventSettings settings, int eventsEvery = 1)
    {
        using var pool = new FramePool(Width, Height, PixelFormat.Bgr24, 2);
        var tracker = new ObjectTracker(new TrackerSettings());
        var events = new CameraEvents("cam", Zones, settings);
        var random = new Random(3);
        var results = new List<EventsResult>();
        var trackOf = new Dictionary<string, int>();
        var colourOf = new Dictionary<int, Scalar>();
        for (var f = 0; f < Frames; f++)
        {
            var frame = pool.Rent(CancellationToken.None);
            var time = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000 + f / 30.0);
            frame.Stamp("cam", f, TimeSpan.FromSeconds(f / 30.0), new CaptureStamp(time, CaptureClock.Sender), time, f == 0, 0);
            frame.Mat.SetTo(new Scalar(128, 128, 128));
            var detections = new List<Det>();
            var who = new List<Person>();
            foreach (var p in People)
            {
                if (p.Feet(f) is { } feet)
                {
                    var (x, y) = (feet.X - 20, feet.Y - 80);
                    Cv2.Rectangle(frame.Mat, new Rect((int)x, (int)y, 40, 80), p.Colour, -1);
                    float Jitter() => (float)(random.NextDouble() - 0.5);
                    detections.Add(new Det(0, "person", 0.85f + 0.1f * (float)random.NextDouble(), (float)x + Jitter(), (float)y + Jitter(), 40 + Jitter(), 80 + Jitter()));
                    who.Add(p);
                }
            }
            var ids = tracker.Update(detections, f / 30.0);
            for (var i = 0; i < ids.Length; i++)
            {
                if (ids[i] is { } id)
                {
                    Assert.Equal(trackOf.GetValueOrDefault(who[i].Name, id), id); // nobody changes id
                    trackOf[who[i].Name] = id;
                    colourOf[id] = who[i].Colour;
                }
            }
            var result = new DetectionResult
            {
                Detections = detections.Select((d, i) => d with { TrackId = ids[i] }).ToList(), FrameWidth = Width, FrameHeight = Height,
                Tracked = true, EndedTracks = tracker.Ended.ToArray(), AliveTracks = tracker.Alive(),
            };
            if (f % eventsEvery == 0)
            {
                results.Add(events.Update(frame, result, startedOver: f == 0));
            }
            frame.Release();
        }
        results.Add(events.Finish(Width, Height));
        Assert.Equal(0, events.Open);
        return new Run(results, trackOf, colourOf);
    }

    [Fact]
    public void Zone_entries_and_line_crossings_of_a_known_scene_are_counted_exactly()
    {
        var run = Play(EventSettings.Default);
        var (a, b, c, d, e) = (run.TrackOf["A"], run.TrackOf["B"], run.TrackOf["C"], run.TrackOf["D"], run.TrackOf["E"]);
        Assert.Equal(5, run.TrackOf.Values.Distinct().Count());

        var door = run.Results.Select(r => Assert.Single(r.Zones)).ToList();
        Assert.Equal(new[] { a, d, e }.Order(), door.SelectMany(z => z.Entered).Order());
        Assert.Equal(new[] { a, d, e }.Order(), door.SelectMany(z => z.Left).Order()); // A walks out; D and E at the end
        Assert.Equal(3, door[^1].TotalEntered);
        // A leaves the door at x 320 (frame 70, plus the 3 frames of inertia); D and E are in it throughout,
        // E also while hidden.
        Assert.Equal(3, door[52].Count);
        Assert.Equal(2, door[100].Count);
        Assert.Equal(2, door[100].ByLabel["person"]);
        Assert.Equal(d, Assert.Single(door[..10].SelectMany(z => z.Entered), id => id == d));

        var gate = run.Results[^1].Lines.Single(l => l.Name == "gate");
        Assert.Equal(new Dictionary<string, long> { ["right"] = 1, ["left"] = 1 }, gate.Totals);
        var mid = run.Results[^1].Lines.Single(l => l.Name == "mid");
        Assert.Equal(new Dictionary<string, long> { ["down"] = 1, ["up"] = 0 }, mid.Totals);
        var crossings = run.Results.SelectMany(r => r.Lines.SelectMany(l => l.Crossings)).ToList();
        Assert.Equal([("gate", "right", a), ("gate", "left", b), ("mid", "down", c)],
            crossings.Select(x => (x.Line, x.Direction, x.TrackId)).OrderBy(x => x.TrackId == a ? 0 : x.TrackId == b ? 1 : 2));
        // A's feet (40 + 4f) pass x 480 at frame 110; the crossing counts once they are a tenth of its
        // height (8 px) beyond, at frame 112 (113 when the box's jitter keeps it a hair nearer).
        Assert.InRange(run.Results.FindIndex(r => r.Lines.Any(l => l.Crossings.Any(x => x.TrackId == a))), 112, 113);
    }

    [Fact]
    public void Each_track_is_one_event_with_one_new_and_one_end_and_few_updates()
    {
        var run = Play(EventSettings.Default);
        var all = run.Results.SelectMany(r => r.Events).ToList();
        foreach (var (name, id) in run.TrackOf)
        {
            var mine = all.Where(x => x.After.TrackId == id).ToList();
            Assert.Equal("new", mine[0].Type);
            Assert.Null(mine[0].Before);
            Assert.Equal("end", mine[^1].Type);
            Assert.Single(mine, x => x.Type == "new");
            Assert.Single(mine, x => x.Type == "end");
            Assert.Single(mine.Select(x => x.After.Id).Distinct());
            var end = mine[^1].After;
            // Updates: one per zone change or crossing, plus at most one per update interval (5 s) for a
            // better snapshot; the scene is 6 s long.
            var changes = end.EnteredZones.Count * 2 + end.Crossings.Count;
            Assert.InRange(mine.Count(x => x.Type == "update"), 0, changes + 2);
            Assert.NotNull(end.EndTime);
            Assert.True(end.EndTime >= end.StartTime, name);
            Assert.Equal(mine[^2].After, mine[^1].Before); // before is what was last sent
        }
        var aEnd = all.Last(x => x.After.TrackId == run.TrackOf["A"]).After;
        Assert.Equal(["door"], aEnd.EnteredZones);
        Assert.Equal("right", Assert.Single(aEnd.Crossings).Direction);
        // A walks out of the picture's data at frame 140: its track ends one second (lost_seconds) later.
        var aEndsAt = run.Results.FindIndex(r => r.Events.Any(x => x.Type == "end" && x.After.TrackId == run.TrackOf["A"]));
        Assert.InRange(aEndsAt, 139 + 29, 139 + 32);
        Assert.Equal(TimeSpan.FromSeconds(139 / 30.0), aEnd.LastSeenPts);
    }

    [Fact]
    public void An_events_stage_that_misses_frames_still_ends_every_event_once()
    {
        // Every 7th frame only: the frames tracks end on are mostly never seen by the events stage.
        var run = Play(EventSettings.Default, eventsEvery: 7);
        var all = run.Results.SelectMany(r => r.Events).ToList();
        foreach (var id in run.TrackOf.Values)
        {
            Assert.Single(all, e => e.Type == "new" && e.After.TrackId == id);
            Assert.Single(all, e => e.Type == "end" && e.After.TrackId == id);
        }
        // A (gone at frame 140, its track at about 170) ends before the stream does.
        var a = run.TrackOf["A"];
        Assert.False(run.Results[^1].Events.Any(e => e.After.TrackId == a), "A's event must end when its track is gone, not only at the stream's end");
    }

    [Fact]
    public void A_box_jittering_on_a_line_never_crosses_it()
    {
        using var pool = new FramePool(Width, Height, PixelFormat.Bgr24, 1);
        var zones = new CameraZones([], [new LineDefinition("gate", new(320, 0), new(320, 360), Normalized: false, new HashSet<string>())]);
        var events = new CameraEvents("cam", zones, EventSettings.Default with { Snapshots = null });
        var random = new Random(1);
        var crossings = 0;
        for (var f = 0; f < 300; f++)
        {
            var frame = pool.Rent(CancellationToken.None);
            frame.Stamp("cam", f, TimeSpan.FromSeconds(f / 30.0), new CaptureStamp(DateTimeOffset.UnixEpoch, CaptureClock.Arrival), DateTimeOffset.UnixEpoch, f == 0, 0);
            // A car parked on the tripwire: its box (60 px high) jitters by up to ±4 px around it.
            var x = 320 - 50 + (float)(random.NextDouble() * 8 - 4);
            var detection = new Det(2, "car", 0.9f, x, 200, 100, 60) with { TrackId = 1 };
            var result = events.Update(frame, new DetectionResult { Detections = [detection], FrameWidth = Width, FrameHeight = Height, Tracked = true, AliveTracks = [1] }, f == 0);
            crossings += result.Lines.Sum(l => l.Crossings.Count);
            frame.Release();
        }
        Assert.Equal(0, crossings);
    }

    [Fact]
    public void Snapshots_decode_and_show_the_object_they_name()
    {
        var run = Play(EventSettings.Default);
        var snapshots = run.Results.SelectMany(r => r.Snapshots).ToList();
        Assert.Equal(run.TrackOf.Values.Order(), snapshots.Select(s => s.TrackId).Distinct().Order());
        foreach (var s in snapshots)
        {
            using var image = Cv2.ImDecode(s.Jpeg, ImreadModes.Color);
            Assert.False(image.Empty());
            // The box with a 10 % margin each side, cut by the frame's edge where it reaches it.
            Assert.InRange(image.Width, 40, 40 * 1.2 + 3);
            Assert.InRange(image.Height, 80, 80 * 1.2 + 3);
            var centre = image.At<Vec3b>(image.Height / 2, image.Width / 2);
            var colour = run.ColourOf[s.TrackId];
            Assert.True(Math.Abs(centre.Item0 - colour.Val0) + Math.Abs(centre.Item1 - colour.Val1) + Math.Abs(centre.Item2 - colour.Val2) < 60,
                $"snapshot of track {s.TrackId} shows {centre.Item0},{centre.Item1},{centre.Item2}, not its person's colour");
        }
        // Every event says it has its snapshot, and the last one sent is the best taken.
        var ends = run.Results.SelectMany(r => r.Events).Where(e => e.Type == "end").ToList();
        Assert.All(ends, e => Assert.Equal(snapshots.Last(s => s.TrackId == e.After.TrackId).Info, e.After.Snapshot));
        // B starts at the right edge (cut: worth less) and gets a better view once fully in the picture.
        Assert.True(snapshots.Count(s => s.TrackId == run.TrackOf["B"]) >= 2);
    }

    [Fact]
    public void A_stream_that_starts_over_ends_every_open_event()
    {
        using var pool = new FramePool(Width, Height, PixelFormat.Bgr24, 1);
        var events = new CameraEvents("cam", CameraZones.None, EventSettings.Default with { Snapshots = null });
        EventsResult Feed(int seq, int? track, bool startedOver)
        {
            var frame = pool.Rent(CancellationToken.None);
            frame.Stamp("cam", seq, TimeSpan.FromSeconds(seq / 30.0), new CaptureStamp(DateTimeOffset.UnixEpoch, CaptureClock.Arrival), DateTimeOffset.UnixEpoch, startedOver, startedOver ? 1 : 0);
            var detections = track is { } t ? new List<Det> { new Det(0, "person", 0.9f, 10, 10, 40, 80) with { TrackId = t } } : [];
            var result = events.Update(frame, new DetectionResult { Detections = detections, FrameWidth = Width, FrameHeight = Height, Tracked = true, AliveTracks = track is { } a ? [a] : [] }, startedOver);
            frame.Release();
            return result;
        }
        Assert.Equal("new", Assert.Single(Feed(0, 1, false).Events).Type);
        var restart = Feed(1, 2, true); // a reconnect: the tracker starts again (with new ids)
        Assert.Equal(["end", "new"], restart.Events.Select(e => e.Type));
        Assert.Equal([1, 2], restart.Events.Select(e => e.After.TrackId));
        Assert.NotEqual(restart.Events[0].After.Id, restart.Events[1].After.Id);
    }

    [Theory]
    [InlineData("[[0, 0], [1, 0]]", "at least 3 points")]
    [InlineData("[[0, 0], [1, 1], [1, 0], [0, 1]]", "cross")]
    [InlineData("[[0, 0], [0.5, 0.5], [1, 1]]", "no area")]
    [InlineData("[[0, 0], [-5, 10], [20, 20]]", "not negative")]
    [InlineData("[[0, 0], [1, 0], [1]]", "[x, y]")]
    public void A_bad_zone_is_a_config_error_naming_camera_and_zone(string points, string why)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse($"cameras:\n  - id: porch\n    url: synthetic://p\n    zones:\n      - name: steps\n        points: {points}\n"));
        Assert.Contains("cameras[0].zones[0].points", e.Message);
        if (!why.StartsWith('['))
        {
            Assert.Contains("camera 'porch', zone 'steps'", e.Message);
        }
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Normalised_points_beyond_the_frame_are_refused_and_pixel_points_are_checked_against_the_frame()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse("cameras:\n  - id: porch\n    url: synthetic://p\n    zones:\n      - name: steps\n        coordinates: normalized\n        points: [[0, 0], [1.5, 0], [1, 1]]\n"));
        Assert.Contains("outside the frame; normalised points lie in 0..1", e.Message);
        // Pixel zones can only be checked once the frame's size is known: the camera's events stage says so.
        var watch = new ZoneWatch("porch", new CameraZones([new ZoneDefinition("steps", [new(0, 0), new(700, 0), new(700, 300)], false, new HashSet<string>())], []), 3);
        var outside = Assert.Throws<ConfigurationException>(() => watch.Fit(640, 360));
        Assert.Contains("camera 'porch', zone 'steps': point (700, 0) is outside the 640×360 frame", outside.Message);
        // Said once: the zone is left out and the camera's events go on.
        watch.Fit(640, 360);
        var place = watch.NewPlace();
        for (var i = 0; i < 5; i++)
        {
            watch.Move(place, "person", 100, 100, 80);
        }
        Assert.False(place.Inside[0]);
    }

    [Fact]
    public void Bad_lines_names_and_event_settings_are_config_errors()
    {
        const string camera = "cameras:\n  - id: porch\n    url: synthetic://p\n";
        Assert.Contains("exactly 2 points", Assert.Throws<ConfigurationException>(() => Parse(camera + "    lines:\n      - name: gate\n        points: [[0, 0], [1, 1], [0, 1]]\n")).Message);
        Assert.Contains("the same", Assert.Throws<ConfigurationException>(() => Parse(camera + "    lines:\n      - name: gate\n        points: [[0.5, 0], [0.5, 0]]\n")).Message);
        Assert.Contains("'cameras[0].lines[0].name' = 'gate'", Assert.Throws<ConfigurationException>(() => Parse(camera
            + "    zones:\n      - name: gate\n        points: [[0, 0], [1, 0], [1, 1]]\n    lines:\n      - name: gate\n        points: [[0.5, 0], [0.5, 1]]\n")).Message);
        Assert.Contains("letters, digits", Assert.Throws<ConfigurationException>(() => Parse(camera + "    zones:\n      - name: 'front door'\n        points: [[0, 0], [1, 0], [1, 1]]\n")).Message);
        var noTracks = Assert.Throws<ConfigurationException>(() => Parse(camera + "stages:\n  detection:\n    enabled: true\n    tracking:\n      enabled: false\n  events:\n    enabled: true\n"));
        Assert.Contains("'stages.events.enabled'", noTracks.Message);
        Assert.Contains("enable stages.detection and stages.detection.tracking", noTracks.Message);
        Assert.Contains("'stages.events.labels' = 'car'", Assert.Throws<ConfigurationException>(() => Parse(camera + "stages:\n  detection:\n    enabled: true\n  events:\n    labels: [car]\n")).Message);
        Assert.Contains("'stages.events.inertia_frames' = '0'", Assert.Throws<ConfigurationException>(() => Parse(camera + "stages:\n  events:\n    inertia_frames: 0\n")).Message);
        // Unset, the stage follows detection with tracking; the zones of a valid file come through.
        var config = Parse(camera + "    zones:\n      - name: steps\n        points: [[10, 10], [300, 10], [300, 200]]\n    lines:\n      - name: gate\n        points: [[0.5, 0], [0.5, 1]]\nstages:\n  detection:\n    enabled: true\n");
        Assert.True(config.Stages.Events.Runs(config.Stages));
        var zones = CameraZonesConfig.ToZones(config.Cameras[0]);
        Assert.False(Assert.Single(zones.Zones).Normalized);
        Assert.True(Assert.Single(zones.Lines).Normalized);
    }

    [Fact]
    public void Geometry_point_in_polygon_and_crossing_segments()
    {
        ZonePoint[] l = [new(0, 0), new(4, 0), new(4, 1), new(1, 1), new(1, 4), new(0, 4)]; // an L
        Assert.True(ZoneGeometry.Contains(l, 0.5, 3));
        Assert.True(ZoneGeometry.Contains(l, 3, 0.5));
        Assert.False(ZoneGeometry.Contains(l, 3, 3));
        Assert.Null(ZoneGeometry.ProblemWithPolygon(l, normalized: false));
        Assert.True(ZoneGeometry.SegmentsIntersect(new(0, 0), new(2, 2), new(0, 2), new(2, 0)));
        Assert.True(ZoneGeometry.SegmentsIntersect(new(0, 0), new(2, 0), new(1, 0), new(1, 5))); // touching
        Assert.False(ZoneGeometry.SegmentsIntersect(new(0, 0), new(1, 0), new(2, -1), new(2, 1)));
    }

    private static ServiceConfig Parse(string yaml)
        => ConfigLoader.Load(new ConfigInputs { Text = yaml, TextName = "test.yaml", Environment = new Dictionary<string, string>() });
}
