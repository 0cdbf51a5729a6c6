using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Events;

namespace StreamVision.Tests.Unit;

/// <summary>The verbalizer's perception facts describe a window of the stream that forgets: what a
/// stage no longer sees, or no longer says, leaves the facts.</summary>
public sealed class PerceptionFactsTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;

        public override long GetTimestamp() => Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    private static readonly Dictionary<string, string> Nobody = new();

    [Fact]
    public void A_person_leaving_the_scene_is_gone_from_the_next_verbalized_segment()
    {
        var clock = new ManualClock();
        var facts = new PerceptionFacts(clock);
        var options = new CacheOptions(TimeSpan.FromSeconds(2), 2, 4, new KvLayout(1, 1, 4));
        using var cache = new MultimodalCache(options, new ByteBudget("camera", 1 << 20), new StructuredVerbalizer(), text => text.Length / 4 + 1);
        for (var i = 0; i < 20; i++)
        {
            // A detection every frame: a person for the first ten seconds, then nobody.
            facts.Observe("cam", "detection", i < 10 ? new Dictionary<string, string> { ["persons"] = "1" } : Nobody);
            facts.Observe("cam", "segmentation", new Dictionary<string, string> { ["scene"] = "street" });
            cache.AppendFrame(i, facts.Of("cam"));
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(["[00:00–00:09] persons 1; scene street", "[00:10–00:16] scene street"], cache.LongTerm.Select(s => s.Text));
    }

    [Fact]
    public void A_stage_that_says_nothing_for_a_while_is_forgotten()
    {
        var clock = new ManualClock();
        var facts = new PerceptionFacts(clock);
        facts.Observe("cam", "flow", new Dictionary<string, string> { ["motion"] = "left" });
        facts.Observe("cam", "depth", new Dictionary<string, string> { ["ahead"] = "4 m" });
        facts.Observe("other", "flow", new Dictionary<string, string> { ["motion"] = "up" });
        Assert.Equal("left", facts.Of("cam").Facts["motion"]);
        Assert.Equal("up", facts.Of("other").Facts["motion"]);

        clock.Advance(TimeSpan.FromSeconds(2));
        facts.Observe("cam", "depth", new Dictionary<string, string> { ["ahead"] = "3 m" });
        clock.Advance(PerceptionFacts.Forget - TimeSpan.FromSeconds(1));

        var now = facts.Of("cam").Facts;
        Assert.False(now.ContainsKey("motion"), "flow said nothing for longer than the window");
        Assert.Equal("3 m", now["ahead"]);
        Assert.Same(FrameFacts.None, facts.Of("other"));
    }

    [Fact]
    public void With_the_events_stage_objects_are_told_as_their_tracks_stories_not_per_frame_counts()
    {
        var clock = new ManualClock();
        var facts = new PerceptionFacts(clock, tracks: true);
        var options = new CacheOptions(TimeSpan.FromSeconds(5), 2, 4, new KvLayout(1, 1, 4));
        using var cache = new MultimodalCache(options, new ByteBudget("camera", 1 << 20), new StructuredVerbalizer(), text => text.Length / 4 + 1);
        EventObject Person(int second, bool inRoad, bool ended)
        {
            var changes = new List<ZoneChange> { new("road", true, default, TimeSpan.FromSeconds(41)) };
            if (!inRoad)
            {
                changes.Add(new("road", false, default, TimeSpan.FromSeconds(52)));
            }
            return new EventObject("e", "cam", "person", 12, 0.9f, 0.9f, default, inRoad ? ["road"] : [], ["road"], changes,
                second >= 45 ? [new LineCrossing("gate", "down", 12, "person", default, TimeSpan.FromSeconds(45))] : [],
                default, ended ? default(DateTimeOffset) : null, default, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(Math.Min(second, 52)), 1, null);
        }
        for (var second = 40; second < 70; second++)
        {
            // The detection stage's counts are not facts any more; the events stage's stories are.
            facts.Write(Result(new Pipelines.Detection.DetectionResult { Detections = [new(0, "person", 0.9f, 0, 0, 10, 10)], FrameWidth = 64, FrameHeight = 64, Tracked = true }));
            var events = second switch
            {
                40 => [new ObjectEvent("new", null, Person(40, false, false) with { ZoneChanges = [], EnteredZones = [] })],
                41 or 45 => [new ObjectEvent("update", null, Person(second, true, false))],
                53 => [new ObjectEvent("end", null, Person(53, false, true))],
                _ => (IReadOnlyList<ObjectEvent>)[],
            };
            facts.Write(Result(new EventsResult
            {
                FrameWidth = 64, FrameHeight = 64, Objects = [], Zones = [], Lines = [], Events = events, Snapshots = [], Reviews = [], Present = new Dictionary<string, int>(),
            }));
            cache.AppendFrame(second, facts.Of("cam"));
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var text = string.Join(" | ", cache.LongTerm.Select(s => s.Text));
        Assert.DoesNotContain("persons", text);
        Assert.Contains("person 12 seen 00:40–00:52, entered road at 00:41, crossed gate down at 00:45, left road at 00:52", text);
        // Ten seconds after its end the story leaves the facts.
        Assert.DoesNotContain(facts.Of("cam").Facts.Keys, k => k.Contains("person 12"));
    }

    private static T Result<T>(T result) where T : Pipelines.Graph.StageResult
    {
        using var pool = new Ingest.Frames.FramePool(64, 64, Ingest.Frames.PixelFormat.Bgr24, 1);
        var frame = pool.Rent(CancellationToken.None);
        frame.Stamp("cam", 0, TimeSpan.Zero, new Ingest.Frames.CaptureStamp(DateTimeOffset.UnixEpoch, Ingest.Frames.CaptureClock.Arrival), DateTimeOffset.UnixEpoch, false, 0);
        var described = result.Describe<T>(frame, result is EventsResult ? "events" : "detection", "m", 0);
        frame.Release();
        return described;
    }
}
