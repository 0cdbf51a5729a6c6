using StreamVision.Pipelines.Configuration;

namespace StreamVision.Pipelines.Events;

/// <summary>
/// One camera's zones and lines in frame pixels, and where each tracked object is with respect to
/// them: zone membership with inertia, and the side of each line its standing point was last on.
/// </summary>
internal sealed class ZoneWatch(string camera, CameraZones zones, int inertia)
{
    private (int Width, int Height) _size;
    private ZonePoint[][] _polygons = [];
    private (ZonePoint From, ZonePoint To, string Positive, string Negative)[] _lines = [];

    public IReadOnlyList<ZoneDefinition> Zones => zones.Zones;
    public IReadOnlyList<LineDefinition> Lines => zones.Lines;

    /// <summary>Per object: the zone membership and line sides.</summary>
    public sealed class Place(int zoneCount, int lineCount)
    {
        public bool[] Inside { get; } = new bool[zoneCount];
        public int[] Run { get; } = new int[zoneCount];
        public int[] Side { get; } = new int[lineCount];

        /// <summary>Per line, where the object last stood clear of it (on <see cref="Side"/>).</summary>
        public (double X, double Y)[] Anchor { get; } = new (double, double)[lineCount];
    }

    public Place NewPlace() => new(zones.Zones.Count, zones.Lines.Count);

    /// <summary>Puts the zones in the pixels of a <paramref name="width"/>×<paramref name="height"/>
    /// frame; pixel zones that do not fit it are a configuration error naming camera and zone.</summary>
    public void Fit(int width, int height)
    {
        if (_size == (width, height))
        {
            return;
        }
        // A pixel zone or line beyond the frame is left out (never entered, never crossed), and said once.
        _polygons = zones.Zones.Select(z => !z.Normalized && ZoneGeometry.OutsideFrame(z.Points, width, height) is not null
            ? [] : z.Points.Select(p => ToPixels(p, z.Normalized, width, height)).ToArray()).ToArray();
        _lineOff = zones.Lines.Select(l => !l.Normalized && ZoneGeometry.OutsideFrame([l.From, l.To], width, height) is not null).ToArray();
        _lines = zones.Lines.Select(l =>
        {
            var (a, b) = (ToPixels(l.From, l.Normalized, width, height), ToPixels(l.To, l.Normalized, width, height));
            var mid = new ZonePoint((a.X + b.X) / 2, (a.Y + b.Y) / 2);
            // Which side is "down" (or "right"): the one a point just below (right of) the middle is on.
            var probe = l.LiesAcross ? ZoneGeometry.Side(a, b, mid.X, mid.Y + 1) : ZoneGeometry.Side(a, b, mid.X + 1, mid.Y);
            var (toward, away) = (l.Directions[0], l.Directions[1]);
            return probe > 0 ? (a, b, toward, away) : (a, b, away, toward);
        }).ToArray();
        _size = (width, height);
        if (zones.ProblemFitting(camera, width, height) is { } problem)
        {
            throw new ConfigurationException($"{problem} It is left out; the camera's other zones and lines work.");
        }
    }

    private bool[] _lineOff = [];

    private static ZonePoint ToPixels(ZonePoint p, bool normalized, int width, int height)
        => normalized ? new ZonePoint(p.X * width, p.Y * height) : p;

    /// <summary>Both direction names of line <paramref name="line"/>.</summary>
    public (string Positive, string Negative) Directions(int line) => (_lines[line].Positive, _lines[line].Negative);

    /// <summary>A standing point nearer a line than this is on neither side: at least 3 px, or a tenth of
    /// the object's height, so a box jittering on a tripwire (a car parked on it) never counts as crossing.</summary>
    public static double LineBand(double boxHeight) => Math.Max(3, boxHeight / 10);

    /// <summary>What the latest <see cref="Move"/> or <see cref="Leave"/> changed: (zone, entered) and
    /// (line, direction) — lists kept and reused, so moving an object allocates nothing.</summary>
    public List<(int Zone, bool Entered)> ZoneChanges { get; } = new();

    public List<(int Line, string Direction)> Crossings { get; } = new();

    /// <summary>Moves an object to its standing point (<paramref name="x"/>, <paramref name="y"/>); what
    /// changed is in <see cref="ZoneChanges"/> and <see cref="Crossings"/>.</summary>
    /// <param name="height">The object's box height, which sets how far from a line it must be to be on a side.</param>
    public void Move(Place place, string label, double x, double y, double height)
    {
        ZoneChanges.Clear();
        Crossings.Clear();
        for (var z = 0; z < _polygons.Length; z++)
        {
            if (!Counts(zones.Zones[z].Labels, label))
            {
                continue;
            }
            var inside = ZoneGeometry.Contains(_polygons[z], x, y);
            place.Run[z] = inside == place.Inside[z] ? 0 : place.Run[z] + 1;
            if (place.Run[z] >= inertia)
            {
                place.Inside[z] = inside;
                place.Run[z] = 0;
                ZoneChanges.Add((z, inside));
            }
        }
        for (var l = 0; l < _lines.Length; l++)
        {
            if (_lineOff[l] || !Counts(zones.Lines[l].Labels, label))
            {
                continue;
            }
            var (a, b, positive, negative) = _lines[l];
            var length = Math.Sqrt((b.X - a.X) * (b.X - a.X) + (b.Y - a.Y) * (b.Y - a.Y));
            var distance = Math.Abs((b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X)) / length;
            if (distance < LineBand(height))
            {
                continue; // on the line, or too near it to say: the side it leaves for decides
            }
            var side = ZoneGeometry.Side(a, b, x, y);
            var (ax, ay) = place.Anchor[l];
            if (place.Side[l] != 0 && side != place.Side[l] && ZoneGeometry.SegmentsIntersect(new ZonePoint(ax, ay), new ZonePoint(x, y), a, b))
            {
                Crossings.Add((l, side > 0 ? positive : negative));
            }
            place.Side[l] = side;
            place.Anchor[l] = (x, y);
        }
    }

    /// <summary>The object is gone: it leaves every zone it was in.</summary>
    public void Leave(Place place)
    {
        ZoneChanges.Clear();
        Crossings.Clear();
        for (var z = 0; z < place.Inside.Length; z++)
        {
            if (place.Inside[z])
            {
                place.Inside[z] = false;
                ZoneChanges.Add((z, false));
            }
        }
    }

    private static bool Counts(IReadOnlySet<string> labels, string label) => labels.Count == 0 || labels.Contains(label);
}
