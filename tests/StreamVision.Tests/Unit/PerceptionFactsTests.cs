using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Host.Hosting;

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
}
