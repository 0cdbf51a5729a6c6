using StreamVision.Pipelines.Tracking;
using Det = StreamVision.Pipelines.Detection.Detection;

namespace StreamVision.Tests.Unit;

/// <summary>ByteTrack on scenes whose truth is known: moving boxes that cross, slow down in score,
/// disappear behind something for a moment, among false detections.</summary>
public sealed class TrackingTests
{
    [Fact]
    public void Assignment_is_the_cheapest_matching_that_uses_only_pairs_under_the_limit()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 300; trial++)
        {
            var (rows, columns) = (random.Next(0, 5), random.Next(0, 5));
            var cost = new double[rows, columns];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    cost[i, j] = random.NextDouble();
                }
            }
            const double limit = 0.6;
            var matches = LinearAssignment.Solve(cost, limit);
            Assert.All(matches, m => Assert.True(cost[m.Row, m.Column] < limit));
            Assert.Equal(matches.Count, matches.Select(m => m.Row).Distinct().Count());
            Assert.Equal(matches.Count, matches.Select(m => m.Column).Distinct().Count());
            // Brute force: every partial matching; unmatched rows and columns cost limit/2 each.
            double Total(IEnumerable<(int Row, int Column)> m) => m.Sum(p => cost[p.Row, p.Column]) + (rows + columns - 2 * m.Count()) * limit / 2;
            Assert.Equal(Best(cost, rows, columns, limit, 0, new bool[columns], [], Total), Total(matches), 9);
        }
    }

    private static double Best(double[,] cost, int rows, int columns, double limit, int row, bool[] used, List<(int, int)> chosen, Func<IEnumerable<(int, int)>, double> total)
    {
        if (row == rows)
        {
            return total(chosen);
        }
        var best = Best(cost, rows, columns, limit, row + 1, used, chosen, total);
        for (var j = 0; j < columns; j++)
        {
            if (!used[j] && cost[row, j] < limit)
            {
                used[j] = true;
                chosen.Add((row, j));
                best = Math.Min(best, Best(cost, rows, columns, limit, row + 1, used, chosen, total));
                chosen.RemoveAt(chosen.Count - 1);
                used[j] = false;
            }
        }
        return best;
    }

    private sealed record Truth(int Id, double X, double Y, double Vx, double Vy, double Width, double Height, int HiddenFrom = -1, int HiddenTo = -1);

    /// <summary>Eight people on a 1280×720 picture over 90 frames at 30 fps: two pairs cross at frame 45, one walks
    /// behind a pillar for 6 frames, scores sag now and then; boxes jitter by a pixel or two; a few
    /// false detections appear.</summary>
    private static (List<List<(Det Detection, int? TruthId)>> Frames, HashSet<int> Hidden) Scene()
    {
        Truth[] people =
        [
            // Two pairs cross at frame 45, one of each a little nearer the camera (lower, larger), so the
            // boxes overlap heavily as they pass (a detector's NMS would merge boxes that coincide).
            new(1, 100, 300, 10, 0, 60, 150), new(2, 1000, 320, -10, 0, 70, 170),
            new(3, 200, 100, 6, 2, 50, 120), new(4, 740, 120, -6, 2, 60, 140),
            new(5, 600, 500, 0, -1.5, 70, 170, HiddenFrom: 40, HiddenTo: 45),         // behind a pillar
            new(6, 50, 550, 3, -0.5, 40, 100), new(7, 1150, 600, -2, -1, 55, 130), new(8, 640, 50, 0.5, 3, 45, 110),
        ];
        var random = new Random(42);
        var frames = new List<List<(Det, int?)>>();
        for (var f = 0; f < 90; f++)
        {
            var list = new List<(Det, int?)>();
            foreach (var p in people.Where(p => f < p.HiddenFrom || f > p.HiddenTo))
            {
                var jitter = () => (float)(random.NextDouble() * 3 - 1.5);
                var score = random.NextDouble() < 0.1 ? 0.15f + (float)random.NextDouble() * 0.3f : 0.65f + (float)random.NextDouble() * 0.3f;
                list.Add((new Det(0, "person", score, (float)(p.X + p.Vx * f) + jitter(), (float)(p.Y + p.Vy * f) + jitter(), (float)p.Width + jitter(), (float)p.Height + jitter()), p.Id));
            }
            if (random.NextDouble() < 0.2)
            {
                list.Add((new Det(0, "person", 0.2f + (float)random.NextDouble() * 0.2f, random.Next(0, 1200), random.Next(0, 600), 40, 80), null));
            }
            frames.Add(list.OrderBy(_ => random.Next()).ToList());
        }
        return (frames, [5]);
    }

    [Fact]
    public void A_known_scene_is_tracked_with_idf1_above_0_95_and_no_id_switch_for_anyone_always_in_view()
    {
        var (frames, hidden) = Scene();
        var tracker = new ObjectTracker(new TrackerSettings());
        var pairs = new List<(int Truth, int Predicted)>();
        var truthCount = 0;
        var predictedCount = 0;
        var frameIndex = 0;
        foreach (var frame in frames)
        {
            var ids = tracker.Update(frame.Select(d => d.Detection).ToList(), frameIndex++ / 30.0);
            for (var i = 0; i < frame.Count; i++)
            {
                truthCount += frame[i].TruthId is null ? 0 : 1;
                predictedCount += ids[i] is null ? 0 : 1;
                if (frame[i].TruthId is { } t && ids[i] is { } p)
                {
                    pairs.Add((t, p));
                }
            }
        }
        // IDF1 (Ristani et al. 2016): truth and predicted identities matched one-to-one to maximise the
        // detections they share.
        var truthIds = pairs.Select(p => p.Truth).Distinct().ToList();
        var predictedIds = pairs.Select(p => p.Predicted).Distinct().ToList();
        var shared = new double[truthIds.Count, predictedIds.Count];
        foreach (var (t, p) in pairs)
        {
            shared[truthIds.IndexOf(t), predictedIds.IndexOf(p)] -= 1;
        }
        var idtp = -LinearAssignment.Solve(shared, 0).Sum(m => shared[m.Row, m.Column]);
        var idf1 = 2 * idtp / (truthCount + predictedCount);
        Assert.True(idf1 >= 0.95, $"IDF1 {idf1:0.000} ({idtp} of {truthCount} true and {predictedCount} predicted detections share an identity)");
        foreach (var person in truthIds)
        {
            // Everyone keeps one id, also the person hidden for 6 frames (0.2 s, within lost_seconds).
            Assert.Single(pairs.Where(p => p.Truth == person).Select(p => p.Predicted).Distinct());
        }
        // False detections never start a track (their scores are below the start threshold).
        Assert.Equal(8, predictedIds.Count);
    }

    [Fact]
    public void A_low_score_detection_keeps_its_track_alive_where_a_threshold_would_lose_it()
    {
        var tracker = new ObjectTracker(new TrackerSettings());
        int? id = null;
        for (var f = 0; f < 30; f++)
        {
            // From frame 10 to 19 the detector is unsure (score 0.3, below the 0.5 of a first association).
            var score = f is >= 10 and < 20 ? 0.3f : 0.9f;
            var ids = tracker.Update([new Det(0, "person", score, 100 + 5 * f, 200, 50, 120)], f / 30.0);
            if (f > 0)
            {
                Assert.NotNull(ids[0]);
                id ??= ids[0];
                Assert.Equal(id, ids[0]);
            }
        }
    }

    [Fact]
    public void Classes_are_tracked_apart_and_ids_are_never_reused()
    {
        var tracker = new ObjectTracker(new TrackerSettings(LostSeconds: 0.2), new Dictionary<int, TrackerSettings> { [2] = new(LostSeconds: 1) });
        var seen = new List<int?[]>();
        var f = 0;
        for (; f < 4; f++)
        {
            // A person and a car on the very same box: each keeps its own track.
            seen.Add(tracker.Update([new Det(0, "person", 0.9f, 100, 100, 50, 50), new Det(2, "car", 0.9f, 100, 100, 50, 50)], f / 10.0));
        }
        Assert.All(seen, ids => Assert.NotEqual(ids[0], ids[1]));
        Assert.Single(seen.Select(ids => ids[0]).Distinct());
        var person = seen[0][0];
        var car = seen[0][1];
        // Both vanish for half a second at 10 fps: the person's track (0.2 s of patience) ends, the car's (1 s) does not.
        for (var k = 0; k < 5; k++, f++)
        {
            tracker.Update([], f / 10.0);
        }
        var after = tracker.Update([new Det(0, "person", 0.9f, 100, 100, 50, 50), new Det(2, "car", 0.9f, 100, 100, 50, 50)], f++ / 10.0);
        Assert.Equal(car, after[1]);
        Assert.Null(after[0]); // a new person track, unconfirmed on its first frame
        var next = tracker.Update([new Det(0, "person", 0.9f, 100, 100, 50, 50)], f++ / 10.0);
        Assert.NotNull(next[0]);
        Assert.NotEqual(person, next[0]);
        Assert.True(next[0] > car);

        // The stream starts over (reconnect): nothing continues, and ids keep rising.
        tracker.Restart();
        var restarted = tracker.Update([new Det(0, "person", 0.9f, 100, 100, 50, 50)], 0);
        Assert.True(restarted[0] > next[0], "a restart never hands out an id again");
    }

    [Fact]
    public void Frames_a_busy_stage_dropped_still_count_in_the_motion_and_in_the_lost_time()
    {
        // A box moving 4 px per 1/30 s, seen only every 6th frame (a stage at 5 of 30 fps): the track
        // follows at the stream's pace, where a per-frame motion model would lag by 20 px per frame.
        var tracker = new ObjectTracker(new TrackerSettings(LostSeconds: 0.5));
        int? id = null;
        for (var f = 0; f < 120; f += 6)
        {
            var ids = tracker.Update([new Det(0, "person", 0.9f, 100 + 4 * f, 300, 40, 100)], f / 30.0);
            if (f > 0)
            {
                id ??= ids[0];
                Assert.Equal(id, ids[0]);
            }
        }
        // Gone for 0.4 s of stream time (two processed frames): within 0.5 s, so the same id.
        var back = tracker.Update([new Det(0, "person", 0.9f, 100 + 4 * 132, 300, 40, 100)], 132 / 30.0);
        Assert.Equal(id, back[0]);
    }
}
