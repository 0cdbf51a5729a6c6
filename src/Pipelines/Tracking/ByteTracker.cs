namespace StreamVision.Pipelines.Tracking;

/// <summary>
/// ByteTrack (Zhang et al., ECCV 2022) for one class: Kalman-predicted tracks are matched first to the
/// confident detections (IoU weighted by score), then the tracks left over to the low-score detections
/// (occluded or blurred objects a plain threshold would drop), then unconfirmed tracks to what
/// remains; confident detections nobody took start tracks; tracks unseen for
/// <see cref="TrackerSettings.LostSeconds"/> end.
/// </summary>
public sealed class ByteTracker(TrackerSettings settings, Func<int> nextId)
{
    /// <summary>A lost and a tracked track this alike are the same object twice; the one followed for less time goes.</summary>
    private const double DuplicateCost = 0.15;

    /// <summary>The Kalman filter's velocity unit: per 1/30 s, the frame rate ByteTrack's noise was tuned at.</summary>
    private const double StepsPerSecond = 30;

    private readonly Dictionary<int, Track> _matched = new();

    /// <summary>The association cost matrix, reused and grown as needed (no per-frame matrix).</summary>
    private double[,] _cost = new double[0, 0];
    private double? _lastTime;

    private List<Track> _tracked = new();
    private List<Track> _lost = new();
    private int _frame;

    private readonly List<int> _ended = new();

    /// <summary>Confirmed tracks that ended in the latest frame (unseen for too long, or a duplicate of another).</summary>
    public IReadOnlyList<int> Ended => _ended;

    /// <summary>Tracks matched in the latest frame and confirmed.</summary>
    public IEnumerable<Track> Active => _tracked.Where(t => t.Confirmed);

    /// <summary>Takes one frame's detections (those of this tracker's class, by index) and writes, for each,
    /// the id of the confirmed track it belongs to, or null.</summary>
    /// <param name="time">The frame's stream time in seconds (its pts).</param>
    /// <param name="cameraFirstFrame">The camera's first frame since (re)start: its confident detections are tracks at once.</param>
    public void Update(IReadOnlyList<Detection.Detection> detections, IReadOnlyList<int> indices, int?[] ids, double time, bool cameraFirstFrame)
    {
        _frame++;
        _matched.Clear();
        _ended.Clear();
        // Frames a live stage dropped still pass in the motion model; a repeated or backwards time is one step.
        var steps = _lastTime is { } last && time > last ? (time - last) * StepsPerSecond : 1;
        _lastTime = time;
        var high = indices.Where(i => detections[i].Score >= settings.HighScore).ToList();
        var low = indices.Where(i => detections[i].Score >= settings.LowScore && detections[i].Score < settings.HighScore).ToList();
        var unconfirmed = _tracked.Where(t => !t.Confirmed).ToList();
        var pool = _tracked.Where(t => t.Confirmed).Concat(_lost).ToList();
        foreach (var track in pool)
        {
            track.Predict(steps);
        }

        // 1. Confident detections against every confirmed or lost track.
        var (leftTracks, leftHigh) = Associate(pool, high, detections, settings.MatchCost, weightByScore: true, time);
        // 2. Low-score detections against tracks that were tracked until now.
        var stillTracked = leftTracks.Where(t => t.State == TrackState.Tracked).ToList();
        var (unmatched, _) = Associate(stillTracked, low, detections, settings.LowMatchCost, weightByScore: false, time);
        foreach (var track in unmatched)
        {
            track.State = TrackState.Lost;
        }
        // 3. Tracks seen once get one more chance with the confident detections left.
        var (droppedNew, newDetections) = Associate(unconfirmed, leftHigh, detections, settings.UnconfirmedMatchCost, weightByScore: true, time);
        foreach (var track in droppedNew)
        {
            track.State = TrackState.Removed;
        }
        // 4. Confident detections nobody took start tracks (reported from their second frame, except on the camera's first).
        var started = new List<Track>();
        foreach (var i in newDetections.Where(i => detections[i].Score >= settings.NewTrackScore))
        {
            var track = new Track(nextId(), detections[i].ClassId, Measure(detections[i]), _frame, time, detections[i].Score, confirmed: cameraFirstFrame);
            started.Add(track);
            _matched[i] = track;
        }
        foreach (var track in pool.Where(t => t.State == TrackState.Lost && time - t.LastSeenTime > settings.LostSeconds))
        {
            track.State = TrackState.Removed;
            _ended.Add(track.Id);
        }

        _tracked = pool.Concat(unconfirmed).Concat(started).Where(t => t.State == TrackState.Tracked).ToList();
        _lost = pool.Where(t => t.State == TrackState.Lost).ToList();
        RemoveDuplicates();
        // Ids last: a track removed as a duplicate above must not be published.
        foreach (var (i, track) in _matched)
        {
            ids[i] = track.State == TrackState.Tracked && track.Confirmed ? track.Id : null;
        }
    }

    /// <summary>Matches <paramref name="tracks"/> to the detections <paramref name="candidates"/>; matched
    /// tracks take the detection. Returns what is left on both sides.</summary>
    private (List<Track> Tracks, List<int> Detections) Associate(List<Track> tracks, List<int> candidates, IReadOnlyList<Detection.Detection> detections, double limit, bool weightByScore, double time)
    {
        if (_cost.GetLength(0) < tracks.Count || _cost.GetLength(1) < candidates.Count)
        {
            _cost = new double[Math.Max(tracks.Count, _cost.GetLength(0)), Math.Max(candidates.Count, _cost.GetLength(1))];
        }
        var cost = _cost;
        for (var t = 0; t < tracks.Count; t++)
        {
            for (var d = 0; d < candidates.Count; d++)
            {
                var detection = detections[candidates[d]];
                var iou = IntersectionOverUnion(tracks[t].Box, (detection.X, detection.Y, detection.Width, detection.Height));
                cost[t, d] = 1 - (weightByScore ? iou * detection.Score : iou);
            }
        }
        var matches = LinearAssignment.Solve(cost, tracks.Count, candidates.Count, limit);
        var trackTaken = new bool[tracks.Count];
        var detectionTaken = new bool[candidates.Count];
        foreach (var (t, d) in matches)
        {
            var detection = detections[candidates[d]];
            tracks[t].Update(Measure(detection), _frame, time, detection.Score);
            _matched[candidates[d]] = tracks[t];
            trackTaken[t] = detectionTaken[d] = true;
        }
        return (tracks.Where((_, t) => !trackTaken[t]).ToList(), candidates.Where((_, d) => !detectionTaken[d]).ToList());
    }

    private void RemoveDuplicates()
    {
        var duplicates = new HashSet<Track>();
        foreach (var tracked in _tracked)
        {
            foreach (var lost in _lost)
            {
                if (1 - IntersectionOverUnion(tracked.Box, lost.Box) < DuplicateCost)
                {
                    duplicates.Add(tracked.LastSeenFrame - tracked.StartFrame > lost.LastSeenFrame - lost.StartFrame ? lost : tracked);
                }
            }
        }
        foreach (var duplicate in duplicates)
        {
            duplicate.State = TrackState.Removed;
            if (duplicate.Confirmed)
            {
                _ended.Add(duplicate.Id);
            }
        }
        _tracked.RemoveAll(duplicates.Contains);
        _lost.RemoveAll(duplicates.Contains);
    }

    /// <summary>A detection as the filter's measurement: centre x, y, aspect (w/h), height.</summary>
    private static double[] Measure(in Detection.Detection d) => [d.X + d.Width / 2.0, d.Y + d.Height / 2.0, d.Width / Math.Max(d.Height, 1e-6), d.Height];

    private static double IntersectionOverUnion((double X, double Y, double Width, double Height) a, (double X, double Y, double Width, double Height) b)
    {
        var left = Math.Max(a.X, b.X);
        var top = Math.Max(a.Y, b.Y);
        var right = Math.Min(a.X + a.Width, b.X + b.Width);
        var bottom = Math.Min(a.Y + a.Height, b.Y + b.Height);
        var intersection = Math.Max(0, right - left) * Math.Max(0, bottom - top);
        var union = a.Width * a.Height + b.Width * b.Height - intersection;
        return union <= 0 ? 0 : intersection / union;
    }
}
