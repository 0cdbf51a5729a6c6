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
/// The latest short facts each perception stage gives about a camera — objects counted, classes
/// covering the picture, motion, what is nearest ahead — for the VideoLLM's structured verbalizer.
/// A result sink: it sees every result the router hands on.
/// </summary>
public sealed class PerceptionFacts : IResultSink
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _facts = new();

    public FrameFacts Of(string camera) => _facts.TryGetValue(camera, out var facts) ? new FrameFacts(new Dictionary<string, string>(facts)) : FrameFacts.None;

    public void Write(StageResult result)
    {
        var facts = _facts.GetOrAdd(result.CameraId, _ => new ConcurrentDictionary<string, string>());
        var inv = CultureInfo.InvariantCulture;
        switch (result)
        {
            case DetectionResult d:
                foreach (var group in d.Detections.GroupBy(x => x.ClassName))
                {
                    facts[group.Key + "s"] = group.Count().ToString(inv);
                }
                break;
            case SegmentationResult s:
                facts["scene"] = string.Join(", ", s.ClassNames.Select((name, i) => (name, fraction: s.ClassFractions[i]))
                    .Where(c => c.fraction >= 0.05 && c.name != "background").OrderByDescending(c => c.fraction).Select(c => c.name));
                break;
            case FlowResult f when f.HasPrevious:
                facts["motion"] = f.Summary.MovingFraction < 0.05 ? "still" : Direction(f.Summary.DominantDirectionDegrees);
                break;
            case DepthResult d when d.Metric:
                facts["ahead"] = $"{d.Nearest.Centre.ToString("0.#", inv)} m";
                break;
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
