using BenchmarkDotNet.Attributes;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Tracking;

namespace StreamVision.Benchmarks.Micro;

/// <summary>One frame of tracking (ByteTrack over every detection) and of the events stage's work on
/// its tracks (two zones, a line, event messages, snapshots when a view improves), in the steady
/// state: objects already tracked sway back and forth on a grid over a real frame of the clip. The
/// baseline is the tracker alone; the other adds the events.</summary>
[MemoryDiagnoser]
public class TrackingBenchmarks
{
    private const int Steps = 64;

    [Params(10, 50, 200)]
    public int Objects { get; set; }

    private List<Detection>[] _frames = [];
    private ObjectTracker _tracker = null!;
    private ObjectTracker _eventsTracker = null!;
    private CameraEvents _events = null!;
    private Frame _frame = null!;
    private int _step;
    private int _eventsStep;
    private int?[] _ids = [];

    [GlobalSetup]
    public void Setup()
    {
        _frame = MicroInputs.Take(MicroInputs.First);
        var (width, height) = (_frame.Width, _frame.Height);
        var columns = (int)Math.Ceiling(Math.Sqrt(Objects * 16.0 / 9));
        var rows = (int)Math.Ceiling((double)Objects / columns);
        var (cellW, cellH) = ((double)width / columns, (double)height / rows);
        _frames = Enumerable.Range(0, Steps).Select(step => Enumerable.Range(0, Objects).Select(i =>
        {
            // Each object sways a quarter of its cell left and right, a full cycle every Steps frames.
            var sway = Math.Sin(2 * Math.PI * step / Steps) * cellW / 4;
            var x = (i % columns + 0.3) * cellW + sway;
            var y = (i / columns + 0.2) * cellH;
            return new Detection(0, "person", 0.8f + 0.1f * (i % 3), (float)x, (float)y, (float)(cellW * 0.4), (float)(cellH * 0.6));
        }).ToList()).ToArray();
        var zones = new CameraZones(
            [
                new ZoneDefinition("left", [new(0, 0), new(0.5, 0), new(0.5, 1), new(0, 1)], true, new HashSet<string>()),
                new ZoneDefinition("bottom", [new(0, 0.5), new(1, 0.5), new(1, 1), new(0, 1)], true, new HashSet<string>()),
            ],
            [new LineDefinition("middle", new(0.5, 0), new(0.5, 1), true, new HashSet<string>())]);
        _ids = new int?[Objects];
        _tracker = new ObjectTracker(new TrackerSettings());
        _eventsTracker = new ObjectTracker(new TrackerSettings());
        _events = new CameraEvents("micro", zones, EventSettings.Default);
        // Into the steady state: every object tracked, its event open and its first snapshot taken.
        for (var i = 0; i < Steps; i++)
        {
            Track();
            TrackAndEvents();
        }
    }

    [Benchmark(Baseline = true)]
    public int Track()
    {
        var frame = _frames[_step % Steps];
        _tracker.Update(frame, _step++ / 30.0, _ids);
        return _ids.Length;
    }

    [Benchmark]
    public int TrackAndEvents()
    {
        var frame = _frames[_eventsStep % Steps];
        _eventsTracker.Update(frame, _eventsStep++ / 30.0, _ids);
        var ids = _ids;
        var result = new DetectionResult
        {
            Detections = frame.Select((d, i) => d with { TrackId = ids[i] }).ToList(), FrameWidth = _frame.Width, FrameHeight = _frame.Height,
            Tracked = true, EndedTracks = _eventsTracker.Ended.ToArray(), AliveTracks = _eventsTracker.Alive(),
        };
        return _events.Update(_frame, result, startedOver: false).Objects.Count;
    }
}
