using System.Text.Json;
using OpenCvSharp;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Events from the real YOLOX-nano and ByteTrack on the person clip (six people walk in one
/// at a time, see <see cref="DetectionTests"/>), written by a batch run: one event per track, few
/// updates, payloads that match their schemas, snapshots that show the box's region.</summary>
[Trait("Category", "Slow")]
[Collection(PersonClipBatchCollection.Name)]
public sealed class EventsTests(PersonClipBatch run)
{
    private List<JsonElement> Read(string file) => File.ReadAllLines(Path.Combine(run.Folder, file)).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public void Each_person_is_one_event_with_one_new_and_one_end_and_bounded_updates()
    {
        var log = Read("event-log.jsonl");
        var byEvent = log.GroupBy(e => e.GetProperty("after").GetProperty("id").GetString()!).ToList();
        var summary = string.Join("; ", byEvent.Select(g => $"{g.Key}: {string.Join(",", g.Select(e => e.GetProperty("type").GetString()))}"));
        // As many events as tracks (the detection test bounds tracks to 6..9 for six people), one per track.
        Assert.InRange(byEvent.Count, 6, 9);
        Assert.Equal(byEvent.Count, byEvent.Select(g => g.First().GetProperty("after").GetProperty("track_id").GetInt32()).Distinct().Count());
        foreach (var e in byEvent)
        {
            var types = e.Select(x => x.GetProperty("type").GetString()).ToList();
            Assert.True(types[0] == "new" && types[^1] == "end" && types.Count(t => t == "new") == 1 && types.Count(t => t == "end") == 1, summary);
            var end = e.Last().GetProperty("after");
            var seconds = end.GetProperty("last_seen_pts").GetDouble() - end.GetProperty("start_pts").GetDouble();
            var changes = end.GetProperty("entered_zones").GetArrayLength() * 2 + end.GetProperty("crossings").GetArrayLength();
            // Zone changes and crossings at once, a better snapshot at most every 5 s: not a message per frame.
            Assert.True(types.Count(t => t == "update") <= changes + seconds / 5 + 1, $"{e.Key}: {types.Count} messages over {seconds:0.0} s ({summary})");
            Assert.True(end.GetProperty("has_snapshot").GetBoolean());
        }
        // The people who stand at the table (right of centre) enter the right half.
        Assert.True(byEvent.Count(g => g.Last().GetProperty("after").GetProperty("entered_zones").EnumerateArray().Any(z => z.GetString() == "right_half")) >= 4, summary);

        // The per-frame zone counts agree with the events: every entry has its exit by the end.
        var frames = Read("events.jsonl");
        Assert.Equal(1394, frames.Count);
        var entered = frames.Sum(f => f.GetProperty("zones").GetProperty("right_half").GetProperty("entered").GetArrayLength());
        Assert.Equal(entered, log.Where(e => e.GetProperty("type").GetString() == "end").Sum(e => e.GetProperty("after").GetProperty("entered_zones").GetArrayLength()));
        Assert.Equal(0, frames[^1].GetProperty("zones").GetProperty("right_half").GetProperty("count").GetInt32());
        var crossings = frames.Sum(f => f.GetProperty("lines").GetProperty("middle").GetProperty("crossings").GetArrayLength());
        Assert.Equal(crossings, log.Where(e => e.GetProperty("type").GetString() == "end").Sum(e => e.GetProperty("after").GetProperty("crossings").GetArrayLength()));
    }

    [Fact]
    public void Event_frame_and_review_payloads_match_their_schemas()
    {
        var schemas = SchemaTests.LoadSchemas();
        foreach (var (file, schema) in new[] { ("event-log.jsonl", "event"), ("reviews.jsonl", "review"), ("events.jsonl", "events") })
        {
            var payloads = Read(file);
            Assert.NotEmpty(payloads);
            Assert.All(payloads.Where((_, i) => schema != "events" || i % 25 == 0), p => Assert.True(schemas[schema].Evaluate(p).IsValid, $"{file}: {p.GetRawText()}"));
        }
        // Reviews: a minute each, in order, naming only events that exist.
        var ids = Read("event-log.jsonl").Select(e => e.GetProperty("after").GetProperty("id").GetString()).ToHashSet();
        var reviews = Read("reviews.jsonl");
        Assert.All(reviews, r => Assert.All(r.GetProperty("events").EnumerateArray(), id => Assert.Contains(id.GetString(), ids)));
        Assert.Equal(ids.Order(), reviews.SelectMany(r => r.GetProperty("events").EnumerateArray().Select(e => e.GetString())).Distinct().Order());
    }

    [Fact]
    public void Snapshots_decode_and_show_the_box_region_of_their_frame()
    {
        var ends = Read("event-log.jsonl").Where(e => e.GetProperty("type").GetString() == "end").Select(e => e.GetProperty("after")).ToList();
        using var video = new VideoCapture(SharedData.PersonClip);
        foreach (var end in ends)
        {
            var snapshot = end.GetProperty("snapshot");
            using var jpeg = Cv2.ImRead(Path.Combine(run.Out.Path, snapshot.GetProperty("file").GetString()!));
            Assert.False(jpeg.Empty());
            // The frame it was taken from, decoded here on its own, cut to the box plus the 10 % margin.
            video.Set(VideoCaptureProperties.PosFrames, snapshot.GetProperty("seq").GetInt32());
            using var frame = new Mat();
            Assert.True(video.Read(frame));
            var box = snapshot.GetProperty("box");
            var (x, y, w, h) = (box.GetProperty("x").GetDouble(), box.GetProperty("y").GetDouble(), box.GetProperty("w").GetDouble(), box.GetProperty("h").GetDouble());
            var left = (int)Math.Max(0, Math.Floor(x - 0.1 * w));
            var top = (int)Math.Max(0, Math.Floor(y - 0.1 * h));
            var right = (int)Math.Min(frame.Width, Math.Ceiling(x + w + 0.1 * w));
            var bottom = (int)Math.Min(frame.Height, Math.Ceiling(y + h + 0.1 * h));
            Assert.InRange(jpeg.Width, right - left - 2, right - left + 2);
            Assert.InRange(jpeg.Height, bottom - top - 2, bottom - top + 2);
            using var region = new Mat(frame, new Rect(left, top, Math.Min(jpeg.Width, right - left), Math.Min(jpeg.Height, bottom - top)));
            using var same = new Mat(jpeg, new Rect(0, 0, region.Width, region.Height));
            using var diff = new Mat();
            Cv2.Absdiff(region, same, diff);
            var mean = Cv2.Mean(diff);
            Assert.True((mean.Val0 + mean.Val1 + mean.Val2) / 3 < 8, $"{end.GetProperty("id")}: the snapshot differs from the frame's region by {mean.Val0:0.0}/{mean.Val1:0.0}/{mean.Val2:0.0} on average");
        }
    }
}
