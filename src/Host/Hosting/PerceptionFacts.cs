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
public sealed class PerceptionFacts(TimeProvider? clock = null) : IResultSink
{
    /// <summary>How long a stage's facts stand without a new result from it.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
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
        IReadOnlyDictionary<string, string>? facts = result switch
        {
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

    private static string Direction(float degrees) => ((int)Math.Round(degrees / 90) % 4) switch
    {
        0 => "right",
        1 => "down",
        2 => "left",
        _ => "up",
    };
}
