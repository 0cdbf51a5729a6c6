using System.Collections.Concurrent;
using System.Globalization;
using StreamVision.Cache.Multimodal;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Short facts each perception stage gives about a camera — objects counted, classes covering the
/// picture, motion, what is nearest ahead — for the VideoLLM's structured verbalizer. Each stage's
/// facts are replaced as a whole by its next result (a detection with nobody in it leaves no
/// person count behind), and a stage that has said nothing for <see cref="Forget"/> is forgotten
/// (a stage turned off, a camera gone still), so the facts describe a sliding window of the stream,
/// not everything ever seen. A result sink: it sees every result the router hands on.
/// </summary>
/// <param name="tracks">The events stage runs: objects are told as their tracks' stories (entered,
/// left, crossed, with stream times) instead of per-frame detection counts.</param>
public sealed class PerceptionFacts(TimeProvider? clock = null, bool tracks = false) : IResultSink
{
    /// <summary>How long a stage's facts stand without a new result from it.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromSeconds(3);

    /// <summary>How long an ended track's story stays among the facts (long enough to be verbalized).</summary>
    public static readonly TimeSpan StoryAfterEnd = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Dictionary<string, (string Story, bool Ended, long At)>> _stories = new();
    private readonly ConcurrentDictionary<(string Camera, string Stage), (IReadOnlyDictionary<string, string> Facts, long At)> _latest = new();

    /// <summary>The camera's facts now: every stage's latest, unless it is older than <see cref="Forget"/>.</summary>
    public FrameFacts Of(string camera)
    {
        var now = _clock.GetTimestamp();
        var facts = new Dictionary<string, string>();
        foreach (var ((c, _), (stageFacts, at)) in _latest)
        {
            if (c == camera && _clock.GetElapsedTime(at, now) <= Forget)
            {
                foreach (var (key, value) in stageFacts)
                {
                    facts[key] = value;
                }
            }
        }
        return facts.Count == 0 ? FrameFacts.None : new FrameFacts(facts);
    }

    /// <summary>A stage's facts about the camera now, replacing what that stage said before.</summary>
    public void Observe(string camera, string stage, IReadOnlyDictionary<string, string> facts) =>
        _latest[(camera, stage)] = (facts, _clock.GetTimestamp());

    public void Write(StageResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        if (result is Pipelines.Events.EventsResult events)
        {
            Observe(result.CameraId, result.Stage, Stories(events));
            return;
        }
        IReadOnlyDictionary<string, string>? facts = result switch
        {
            DetectionResult when tracks => null,
            DetectionResult d => d.Detections.GroupBy(x => x.ClassName).ToDictionary(g => g.Key + "s", g => g.Count().ToString(inv)),
            SegmentationResult s => new Dictionary<string, string>
            {
                ["scene"] = string.Join(", ", s.ClassNames.Select((name, i) => (name, fraction: s.ClassFractions[i]))
                    .Where(c => c.fraction >= 0.05 && c.name != "background").OrderByDescending(c => c.fraction).Select(c => c.name)),
            },
            FlowResult { HasPrevious: true } f => new Dictionary<string, string> { ["motion"] = f.Summary.MovingFraction < 0.05 ? "still" : Direction(f.Summary.DominantDirectionDegrees) },
            DepthResult { Metric: true } d => new Dictionary<string, string> { ["ahead"] = $"{d.Nearest.Centre.ToString("0.#", inv)} m" },
            _ => null,
        };
        if (facts is not null)
        {
            Observe(result.CameraId, result.Stage, facts);
        }
    }

    /// <summary>The stories of the camera's open tracks and of those that ended lately, updated by this result's events.</summary>
    private Dictionary<string, string> Stories(Pipelines.Events.EventsResult events)
    {
        var now = _clock.GetTimestamp();
        var stories = _stories.GetOrAdd(events.CameraId, _ => new());
        lock (stories)
        {
            foreach (var e in events.Events)
            {
                stories[$"{FrameFacts.StoryMark}{e.After.Label} {e.After.TrackId.ToString(CultureInfo.InvariantCulture)}"] = (Story(e.After), e.Type == "end", now);
            }
            foreach (var gone in stories.Where(s => s.Value.Ended && _clock.GetElapsedTime(s.Value.At, now) > StoryAfterEnd).Select(s => s.Key).ToList())
            {
                stories.Remove(gone);
            }
            return stories.ToDictionary(s => s.Key, s => s.Value.Story);
        }
    }

    /// <summary>"seen 00:40–00:52, entered road at 00:41, crossed gate down at 00:45, left road at 00:52" (stream times).</summary>
    private static string Story(Pipelines.Events.EventObject o)
    {
        var steps = o.ZoneChanges.Select(z => (z.Pts, Text: $"{(z.Entered ? "entered" : "left")} {z.Zone} at {StructuredVerbalizer.Clock(z.Pts.TotalSeconds)}"))
            .Concat(o.Crossings.Select(c => (c.Pts, Text: $"crossed {c.Line} {c.Direction} at {StructuredVerbalizer.Clock(c.Pts.TotalSeconds)}")))
            .OrderBy(s => s.Pts).Select(s => s.Text);
        var seen = $"{(o.EndTime is null ? "in view since" : "seen")} {StructuredVerbalizer.Clock(o.StartPts.TotalSeconds)}{(o.EndTime is null ? "" : "–" + StructuredVerbalizer.Clock(o.LastSeenPts.TotalSeconds))}";
        return string.Join(", ", steps.Prepend(seen));
    }

    private static string Direction(float degrees) => ((int)Math.Round(degrees / 90) % 4) switch
    {
        0 => "right",
        1 => "down",
        2 => "left",
        _ => "up",
    };
}
