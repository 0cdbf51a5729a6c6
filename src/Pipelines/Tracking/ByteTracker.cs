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

    // Working memory reused every frame (grown as needed): the steady state allocates nothing.
    private double[,] _cost = new double[0, 0];
    private bool[] _trackTaken = [];
    private bool[] _detectionTaken = [];
    private readonly LinearAssignment.Workspace _assignment = new();
    private readonly List<int> _high = new(), _low = new(), _leftHigh = new(), _leftLow = new(), _newDetections = new();
    private readonly List<Track> _unconfirmed = new(), _pool = new(), _leftTracks = new(), _stillTracked = new(), _unmatched = new(), _droppedNew = new(), _started = new(), _duplicates = new();
    private List<Track> _spareTracked = new();
    private List<Track> _spareLost = new();
    private double? _lastTime;

    private List<Track> _tracked = new();
    private List<Track> _lost = new();
    private int _frame;

    private readonly List<int> _ended = new();

    /// <summary>Confirmed tracks that ended in the latest frame (unseen for too long, or a duplicate of another).</summary>
    public IReadOnlyList<int> Ended => _ended;

    /// <summary>Tracks matched in the latest frame and confirmed.</summary>
    public IEnumerable<Track> Active => _tracked.Where(t => t.Confirmed);

    /// <summary>Adds the ids of the confirmed tracks still alive (seen in the latest frame, or lost for
    /// less than <see cref="TrackerSettings.LostSeconds"/>).</summary>
    public void AddAlive(List<int> ids)
    {
        foreach (var track in _tracked)
        {
            if (track.Confirmed)
            {
                ids.Add(track.Id);
            }
        }
        foreach (var track in _lost)
        {
            ids.Add(track.Id);
        }
    }

    /// <summary>Takes one frame's detections (those of this tracker's class, by index) and writes, for each,
    /// the id of the confirmed track it belongs to, or null.</summary>
    /// <param name="time">The frame's stream time in seconds (its pts).</param>
    /// <param name="cameraFirstFrame">The camera's first frame since (re)start: its confident detections are tracks at once.</param>
    /// <remarks>Every list it works with is kept and reused: in the steady state (no track starts) a frame allocates nothing.</remarks>
    public void Update(IReadOnlyList<Detection.Detection> detections, IReadOnlyList<int> indices, int?[] ids, double time, bool cameraFirstFrame)
    {
        _frame++;
        _matched.Clear();
        _ended.Clear();
        // Frames a live stage dropped still pass in the motion model; a repeated or backwards time is one step.
        var steps = _lastTime is { } last && time > last ? (time - last) * StepsPerSecond : 1;
        _lastTime = time;
        _high.Clear();
        _low.Clear();
        for (var k = 0; k < indices.Count; k++) // an index loop: foreach over the interface would allocate an enumerator
        {
            var i = indices[k];
            var score = detections[i].Score;
            if (score >= settings.HighScore)
            {
                _high.Add(i);
            }
            else if (score >= settings.LowScore)
            {
                _low.Add(i);
            }
        }
        _unconfirmed.Clear();
        _pool.Clear();
        foreach (var track in _tracked)
        {
            (track.Confirmed ? _pool : _unconfirmed).Add(track);
        }
        _pool.AddRange(_lost);
        foreach (var track in _pool)
        {
            track.Predict(steps);
        }

        // 1. Confident detections against every confirmed or lost track.
        Associate(_pool, _high, detections, settings.MatchCost, weightByScore: true, time, _leftTracks, _leftHigh);
        // 2. Low-score detections against tracks that were tracked until now.
        _stillTracked.Clear();
        foreach (var track in _leftTracks)
        {
            if (track.State == TrackState.Tracked)
            {
                _stillTracked.Add(track);
            }
        }
        Associate(_stillTracked, _low, detections, settings.LowMatchCost, weightByScore: false, time, _unmatched, _leftLow);
        foreach (var track in _unmatched)
        {
            track.State = TrackState.Lost;
        }
        // 3. Tracks seen once get one more chance with the confident detections left.
        Associate(_unconfirmed, _leftHigh, detections, settings.UnconfirmedMatchCost, weightByScore: true, time, _droppedNew, _newDetections);
        foreach (var track in _droppedNew)
        {
            track.State = TrackState.Removed;
        }
        // 4. Confident detections nobody took start tracks (reported from their second frame, except on the camera's first).
        _started.Clear();
        Span<double> box = stackalloc double[4];
        foreach (var i in _newDetections)
        {
            if (detections[i].Score >= settings.NewTrackScore)
            {
                Measure(detections[i], box);
                var track = new Track(nextId(), detections[i].ClassId, box, _frame, time, detections[i].Score, confirmed: cameraFirstFrame);
                _started.Add(track);
                _matched[i] = track;
            }
        }
        foreach (var track in _pool)
        {
            if (track.State == TrackState.Lost && time - track.LastSeenTime > settings.LostSeconds)
            {
                track.State = TrackState.Removed;
                _ended.Add(track.Id);
            }
        }

        // The next frame's tracked and lost tracks, built in the spare lists and swapped in.
        _spareTracked.Clear();
        _spareLost.Clear();
        foreach (var track in _pool)
        {
            (track.State == TrackState.Tracked ? _spareTracked : track.State == TrackState.Lost ? _spareLost : null)?.Add(track);
        }
        KeepTracked(_unconfirmed);
        KeepTracked(_started);
        (_tracked, _spareTracked) = (_spareTracked, _tracked);
        (_lost, _spareLost) = (_spareLost, _lost);
        RemoveDuplicates();
        // Ids last: a track removed as a duplicate above must not be published.
        foreach (var (i, track) in _matched)
        {
            ids[i] = track.State == TrackState.Tracked && track.Confirmed ? track.Id : null;
        }
    }

    private void KeepTracked(List<Track> tracks)
    {
        foreach (var track in tracks)
        {
            if (track.State == TrackState.Tracked)
            {
                _spareTracked.Add(track);
            }
        }
    }

    /// <summary>Matches <paramref name="tracks"/> to the detections <paramref name="candidates"/>; matched
    /// tracks take the detection. What is left on both sides goes to <paramref name="leftTracks"/> and
    /// <paramref name="leftCandidates"/>.</summary>
    private void Associate(List<Track> tracks, List<int> candidates, IReadOnlyList<Detection.Detection> detections, double limit, bool weightByScore, double time,
        List<Track> leftTracks, List<int> leftCandidates)
    {
        leftTracks.Clear();
        leftCandidates.Clear();
        if (_cost.GetLength(0) < tracks.Count || _cost.GetLength(1) < candidates.Count)
        {
            _cost = new double[Math.Max(tracks.Count, _cost.GetLength(0)), Math.Max(candidates.Count, _cost.GetLength(1))];
        }
        if (_trackTaken.Length < tracks.Count)
        {
            _trackTaken = new bool[Math.Max(tracks.Count, 2 * _trackTaken.Length)];
        }
        if (_detectionTaken.Length < candidates.Count)
        {
            _detectionTaken = new bool[Math.Max(candidates.Count, 2 * _detectionTaken.Length)];
        }
        var cost = _cost;
        for (var t = 0; t < tracks.Count; t++)
        {
            var box = tracks[t].Box;
            for (var d = 0; d < candidates.Count; d++)
            {
                var detection = detections[candidates[d]];
                var iou = IntersectionOverUnion(box, (detection.X, detection.Y, detection.Width, detection.Height));
                cost[t, d] = 1 - (weightByScore ? iou * detection.Score : iou);
            }
        }
        Array.Clear(_trackTaken, 0, tracks.Count);
        Array.Clear(_detectionTaken, 0, candidates.Count);
        Span<double> measured = stackalloc double[4];
        foreach (var (t, d) in _assignment.Solve(cost, tracks.Count, candidates.Count, limit))
        {
            var detection = detections[candidates[d]];
            Measure(detection, measured);
            tracks[t].Update(measured, _frame, time, detection.Score);
            _matched[candidates[d]] = tracks[t];
            _trackTaken[t] = _detectionTaken[d] = true;
        }
        for (var t = 0; t < tracks.Count; t++)
        {
            if (!_trackTaken[t])
            {
                leftTracks.Add(tracks[t]);
            }
        }
        for (var d = 0; d < candidates.Count; d++)
        {
            if (!_detectionTaken[d])
            {
                leftCandidates.Add(candidates[d]);
            }
        }
    }

    private void RemoveDuplicates()
    {
        _duplicates.Clear();
        foreach (var tracked in _tracked)
        {
            foreach (var lost in _lost)
            {
                if (1 - IntersectionOverUnion(tracked.Box, lost.Box) < DuplicateCost)
                {
                    var duplicate = tracked.LastSeenFrame - tracked.StartFrame > lost.LastSeenFrame - lost.StartFrame ? lost : tracked;
                    if (!_duplicates.Contains(duplicate))
                    {
                        _duplicates.Add(duplicate);
                    }
                }
            }
        }
        if (_duplicates.Count == 0)
        {
            return;
        }
        foreach (var duplicate in _duplicates)
        {
            duplicate.State = TrackState.Removed;
            if (duplicate.Confirmed)
            {
                _ended.Add(duplicate.Id);
            }
        }
        _tracked.RemoveAll(_duplicates.Contains);
        _lost.RemoveAll(_duplicates.Contains);
    }

    /// <summary>A detection as the filter's measurement: centre x, y, aspect (w/h), height.</summary>
    private static void Measure(in Detection.Detection d, Span<double> box)
    {
        box[0] = d.X + d.Width / 2.0;
        box[1] = d.Y + d.Height / 2.0;
        box[2] = d.Width / Math.Max(d.Height, 1e-6);
        box[3] = d.Height;
    }

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
