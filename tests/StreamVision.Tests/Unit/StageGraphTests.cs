using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Tests.Unit;

/// <summary>The one-way stage graph: stages that consume other stages' results for the same frame,
/// run by the real pipeline over real decoded frames (a synthetic source).</summary>
public sealed class StageGraphTests
{
    /// <summary>Says which frame it was computed from, and counts its own release (pooled memory would return there).</summary>
    private sealed class Mark : StageResult
    {
        public static int Freed;
        public required long FrameSeen { get; init; }
        public IReadOnlyList<long> Inputs { get; init; } = [];
        public bool Final { get; init; }

        protected override void Free() => Interlocked.Increment(ref Freed);
    }

    /// <summary>A stage that marks each frame; it can be slow, skip frames, or consume others' marks.</summary>
    /// <param name="throwEvery">The consuming instance throws on every n-th frame (a stage bug on odd input).</param>
    private sealed class MarkStage(string name, string[] consumes, int sleepMs = 0, int skipEvery = 0, int throwEvery = 0) : IStageFactory
    {
        public int ThrowEvery => throwEvery;
        public string Name => name;
        public string ModelId => "none";
        public string Provider => "cpu";
        public IReadOnlyList<string> Consumes => consumes;
        public int SleepMs => sleepMs;
        public int SkipEvery => skipEvery;
        public List<Instance> Made { get; } = new();

        public IFrameStage Create(string cameraId)
        {
            var instance = new Instance(this);
            Made.Add(instance);
            return instance;
        }

        public void Dispose()
        {
        }

        public sealed class Instance(MarkStage factory) : IConsumingStage
        {
            public List<(long Frame, long[] Inputs, bool[] Present)> Seen { get; } = new();
            public bool Finished { get; private set; }

            public StageResult? Process(Frame frame)
            {
                Thread.Sleep(factory.SleepMs);
                return factory.SkipEvery > 0 && frame.Sequence % factory.SkipEvery == 0 ? null : Stamp(new Mark { FrameSeen = frame.Sequence }, frame);
            }

            public StageResult? Process(Frame frame, StageInputs inputs)
            {
                if (factory.ThrowEvery > 0 && frame.Sequence % factory.ThrowEvery == 0)
                {
                    throw new InvalidOperationException("odd frame");
                }
                Thread.Sleep(factory.SleepMs);
                var marks = factory.Consumes.Select(p => inputs.Of<Mark>(p)).ToArray();
                Seen.Add((frame.Sequence, marks.Select(m => m?.FrameSeen ?? -1).ToArray(), marks.Select(m => m is not null).ToArray()));
                return Stamp(new Mark { FrameSeen = frame.Sequence, Inputs = marks.Select(m => m?.FrameSeen ?? -1).ToList() }, frame);
            }

            public StageResult? Finish()
            {
                Finished = true;
                return null;
            }

            private StageResult Stamp(Mark mark, Frame frame) => mark.Describe<Mark>(frame, factory.Name, "none", System.Diagnostics.Stopwatch.GetTimestamp());

            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public void Producers_come_before_their_consumers_and_a_missing_producer_or_a_cycle_is_a_config_error()
    {
        var events = new MarkStage("events", ["detection"]);
        var detection = new MarkStage("detection", []);
        var summary = new MarkStage("summary", ["events", "detection"]);
        Assert.Equal(["detection", "events", "summary"], StageGraph.Order([summary, events, detection]).Select(s => s.Name));
        Assert.Equal("detection → events; camera → detection", StageGraph.Describe([events, detection]));

        var missing = Assert.Throws<ConfigurationException>(() => StageGraph.Order([events]));
        Assert.Equal("stage 'events' consumes the results of stage 'detection', which is not enabled: enable stages.detection or disable stages.events.", missing.Message);
        var cycle = Assert.Throws<ConfigurationException>(() => StageGraph.Order([new MarkStage("a", ["b"]), new MarkStage("b", ["c"]), new MarkStage("c", ["a"])]));
        Assert.Contains("cycle (a → b → c → a)", cycle.Message);
        Assert.Contains("twice", Assert.Throws<ConfigurationException>(() => StageGraph.Order([detection, new MarkStage("detection", [])])).Message);
    }

    [Fact]
    public async Task In_a_batch_every_frame_reaches_the_consumer_with_its_producers_results_for_that_frame()
    {
        Interlocked.Exchange(ref Mark.Freed, 0);
        var fast = new MarkStage("fast", []);
        var slow = new MarkStage("slow", [], sleepMs: 3, skipEvery: 5); // says nothing on every 5th frame
        var join = new MarkStage("join", ["fast", "slow"]);
        var (results, pool) = await RunAsync([join, fast, slow], DeliveryPolicy.Batch(2), realtime: false, frames: 60);

        var seen = Assert.Single(join.Made).Seen;
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), seen.Select(s => s.Frame));
        foreach (var (frame, inputs, present) in seen)
        {
            Assert.Equal(frame, inputs[0]);
            Assert.Equal(frame % 5 != 0, present[1]);
            Assert.Equal(frame % 5 == 0 ? -1 : frame, inputs[1]);
        }
        Assert.True(Assert.Single(join.Made).Finished);
        Assert.Equal(60 + 48 + 60, results);
        // Each result went to the sink and to the consumer; its memory returned once, after both.
        Assert.Equal(results, Volatile.Read(ref Mark.Freed));
        Assert.Equal(0, pool);
    }

    [Fact]
    public async Task Live_a_consumer_only_ever_gets_results_of_the_frame_it_is_given_and_nothing_leaks()
    {
        Interlocked.Exchange(ref Mark.Freed, 0);
        var fast = new MarkStage("fast", []);
        var slow = new MarkStage("slow", [], sleepMs: 60); // drops most frames at 50 fps
        var join = new MarkStage("join", ["fast", "slow"]);
        var (results, pool) = await RunAsync([fast, slow, join], DeliveryPolicy.LatestOnly(1), realtime: true, frames: 50);

        var seen = Assert.Single(join.Made).Seen;
        Assert.NotEmpty(seen);
        Assert.All(seen, s => Assert.All(s.Inputs.Where(i => i >= 0), i => Assert.Equal(s.Frame, i)));
        // How many frames both producers get to depends on the machine's load; the stream's last frame
        // always does (no newer frame pushes it out of any queue) and reaches the consumer with both results.
        Assert.Equal(49, seen[^1].Frame);
        Assert.Equal([49L, 49L], seen[^1].Inputs);
        Assert.Equal(seen.Select(s => s.Frame).Order(), seen.Select(s => s.Frame)); // in frame order
        Assert.Equal(results, Volatile.Read(ref Mark.Freed));
        Assert.Equal(0, pool);
    }

    [Fact]
    public async Task A_consumer_that_throws_on_some_frames_keeps_going_and_nothing_leaks()
    {
        Interlocked.Exchange(ref Mark.Freed, 0);
        var detection = new MarkStage("detection", []);
        var events = new MarkStage("events", ["detection"], throwEvery: 4);
        var (results, pool) = await RunAsync([detection, events], DeliveryPolicy.Batch(2), realtime: false, frames: 40);

        Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 4 != 0).Select(i => (long)i), Assert.Single(events.Made).Seen.Select(s => s.Frame));
        Assert.Equal(40 + 30, results);
        Assert.Equal(results, Volatile.Read(ref Mark.Freed)); // the failed frames' inputs were freed too
        Assert.Equal(0, pool);
    }

    [Fact]
    public async Task A_camera_removed_while_its_consumer_is_busy_finishes_and_returns_every_frame_and_result()
    {
        Interlocked.Exchange(ref Mark.Freed, 0);
        var detection = new MarkStage("detection", []);
        var events = new MarkStage("events", ["detection"], sleepMs: 20);
        using var source = new FrameSource(new SourceOptions("cam", "synthetic://p?width=64&height=48&fps=50", Realtime: true)
        {
            PoolCapacity = Pipeline.PoolCapacityFor(DeliveryPolicy.LatestOnly(1), [detection, events]),
        });
        source.Open();
        using var pipeline = new Pipeline([source], [detection, events], DeliveryPolicy.LatestOnly(1), NullLogger.Instance);
        var results = 0;
        var drain = Task.Run(async () =>
        {
            await foreach (var result in pipeline.ReadResultsAsync())
            {
                results++;
                result.Dispose();
            }
        });
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token);
        while (Assert.Single(events.Made).Seen.Count < 10)
        {
            await Task.Delay(20);
        }
        // Switching the producer off leaves the consumer with nothing, and nothing waiting for it.
        Assert.True(pipeline.SetStageEnabled("cam", "detection", false));
        await Task.Delay(200);
        var seenWhileOff = events.Made[0].Seen.Count;
        await Task.Delay(200);
        Assert.InRange(events.Made[0].Seen.Count - seenWhileOff, 0, 1);
        Assert.True(pipeline.SetStageEnabled("cam", "detection", true));
        while (events.Made[0].Seen.Count < seenWhileOff + 5)
        {
            await Task.Delay(20);
        }

        Assert.True(await pipeline.RemoveCameraAsync("cam"));
        Assert.True(events.Made[0].Finished);
        Assert.Equal(0, source.Pool!.Outstanding);
        stop.Cancel();
        await run;
        await drain;
        Assert.Equal(results + pipeline.ResultsDropped, Volatile.Read(ref Mark.Freed));
    }

    /// <returns>Results read, plus those a full live results channel dropped (freed all the same).</returns>
    private static async Task<(int Results, int PoolOutstanding)> RunAsync(IReadOnlyList<IStageFactory> stages, DeliveryPolicy policy, bool realtime, int frames)
    {
        using var source = new FrameSource(new SourceOptions("cam", $"synthetic://p?width=64&height=48&fps=50&frames={frames}", Realtime: realtime)
        {
            PoolCapacity = Pipeline.PoolCapacityFor(policy, stages),
        });
        source.Open();
        using var pipeline = new Pipeline([source], stages, policy, NullLogger.Instance);
        var results = 0;
        var drain = Task.Run(async () =>
        {
            await foreach (var result in pipeline.ReadResultsAsync())
            {
                results++;
                result.Dispose();
            }
        });
        await pipeline.RunAsync(CancellationToken.None);
        await drain;
        return (results + (int)pipeline.ResultsDropped, source.Pool!.Outstanding);
    }
}
