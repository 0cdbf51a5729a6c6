using StreamVision.Pipelines.Detection;

namespace StreamVision.Host.Results;

/// <summary>Detection payload: frame size, per-class counts, and each box in frame pixels
/// (x, y = top-left corner) with class, score and, when the stage tracks, the track id.</summary>
public static class DetectionEncoder
{
    public static EncodedResult Encode(DetectionResult r, DateTimeOffset publishTime)
    {
        var json = ResultJson.Write(r, publishTime, w =>
        {
            ResultJson.Frame(w, r.FrameWidth, r.FrameHeight);
            w.WriteStartObject("counts");
            foreach (var group in r.Detections.GroupBy(d => d.ClassName))
            {
                w.WriteNumber(group.Key, group.Count());
            }
            w.WriteEndObject();
            w.WriteStartArray("detections");
            foreach (var d in r.Detections)
            {
                w.WriteStartObject();
                w.WriteNumber("class_id", d.ClassId);
                w.WriteString("class", d.ClassName);
                w.WriteNumber("score", Math.Round(d.Score, 4));
                if (r.Tracked)
                {
                    if (d.TrackId is { } track)
                    {
                        w.WriteNumber("track_id", track);
                    }
                    else
                    {
                        w.WriteNull("track_id");
                    }
                }
                ResultJson.Box(w, "box", d.X, d.Y, d.Width, d.Height);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        return new EncodedResult(json, []);
    }
}
