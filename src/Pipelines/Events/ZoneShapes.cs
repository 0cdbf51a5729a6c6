namespace StreamVision.Pipelines.Events;

/// <summary>A point of a zone or line: normalised (0..1 of the frame) or in frame pixels.</summary>
public readonly record struct ZonePoint(double X, double Y);

/// <summary>An area of a camera's picture. An object is in it when the middle of its box's bottom
/// edge (where it stands) is; it enters after <see cref="EventSettings.Inertia"/> frames in a row
/// inside and leaves after as many outside, so a box that jitters on the edge does not flap.</summary>
/// <param name="Labels">Classes the zone counts; empty counts every class.</param>
public sealed record ZoneDefinition(string Name, IReadOnlyList<ZonePoint> Points, bool Normalized, IReadOnlySet<string> Labels);

/// <summary>A tripwire from its first point to its second: an object crosses it when the point where it
/// stands passes from one side to the other between two frames and its path meets the segment.</summary>
public sealed record LineDefinition(string Name, ZonePoint From, ZonePoint To, bool Normalized, IReadOnlySet<string> Labels)
{
    /// <summary>The line, as written, lies more across the picture than along it.</summary>
    public bool LiesAcross => Math.Abs(To.X - From.X) >= Math.Abs(To.Y - From.Y);

    /// <summary>Crossings are named by the side an object goes to: down/up across a line that lies
    /// across the picture, right/left across one that lies along it.</summary>
    public IReadOnlyList<string> Directions => LiesAcross ? ["down", "up"] : ["right", "left"];
}

/// <summary>One camera's zones and lines.</summary>
public sealed record CameraZones(IReadOnlyList<ZoneDefinition> Zones, IReadOnlyList<LineDefinition> Lines)
{
    public static readonly CameraZones None = new([], []);

    /// <summary>Why a pixel zone or line of camera <paramref name="camera"/> does not fit its
    /// <paramref name="width"/>×<paramref name="height"/> frames (naming camera and zone), or null.</summary>
    public string? ProblemFitting(string camera, int width, int height)
    {
        foreach (var zone in Zones.Where(z => !z.Normalized))
        {
            if (ZoneGeometry.OutsideFrame(zone.Points, width, height) is { } why)
            {
                return $"camera '{camera}', zone '{zone.Name}': {why}";
            }
        }
        foreach (var line in Lines.Where(l => !l.Normalized))
        {
            if (ZoneGeometry.OutsideFrame([line.From, line.To], width, height) is { } why)
            {
                return $"camera '{camera}', line '{line.Name}': {why}";
            }
        }
        return null;
    }
}

/// <summary>Plane geometry for zones: point in polygon, segment crossings, polygon checks.</summary>
public static class ZoneGeometry
{
    /// <summary>Why <paramref name="points"/> is not a usable zone, or null. A zone needs three
    /// corners or more, must enclose an area and must not cross itself (the inside of a figure-8 is
    /// ambiguous); normalised points lie in 0..1, pixel points are not negative.</summary>
    public static string? ProblemWithPolygon(IReadOnlyList<ZonePoint> points, bool normalized)
    {
        if (points.Count < 3)
        {
            return $"a zone needs at least 3 points, it has {points.Count}.";
        }
        if (Outside(points, normalized) is { } outside)
        {
            return outside;
        }
        for (var i = 0; i < points.Count; i++)
        {
            var (a, b) = (points[i], points[(i + 1) % points.Count]);
            for (var j = i + 1; j < points.Count; j++)
            {
                if (j == i || (j + 1) % points.Count == i || j == (i + 1) % points.Count)
                {
                    continue; // edges that share a corner
                }
                if (SegmentsIntersect(a, b, points[j], points[(j + 1) % points.Count]))
                {
                    return $"its edges {i + 1}–{(i + 1) % points.Count + 1} and {j + 1}–{(j + 1) % points.Count + 1} cross; list the corners in order around the zone.";
                }
            }
        }
        if (Math.Abs(SignedArea(points)) < (normalized ? 1e-6 : 1))
        {
            return "its points enclose no area (they lie on one line).";
        }
        return null;
    }

    /// <summary>Why two points are not a usable line, or null.</summary>
    public static string? ProblemWithLine(IReadOnlyList<ZonePoint> points, bool normalized)
    {
        if (points.Count != 2)
        {
            return $"a line has exactly 2 points, it has {points.Count}.";
        }
        if (Outside(points, normalized) is { } outside)
        {
            return outside;
        }
        return points[0] == points[1] ? "its two points are the same." : null;
    }

    /// <summary>Why pixel points do not fit a <paramref name="width"/>×<paramref name="height"/> frame, or null.</summary>
    public static string? OutsideFrame(IEnumerable<ZonePoint> points, int width, int height)
        => points.FirstOrDefault(p => p.X > width || p.Y > height) is var p && (p.X > width || p.Y > height)
            ? $"point ({p.X}, {p.Y}) is outside the {width}×{height} frame; use pixels of the camera's frames or normalised 0..1 values."
            : null;

    private static string? Outside(IReadOnlyList<ZonePoint> points, bool normalized)
    {
        foreach (var p in points)
        {
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || p.X < 0 || p.Y < 0 || (normalized && (p.X > 1 || p.Y > 1)))
            {
                return normalized
                    ? $"point ({p.X}, {p.Y}) is outside the frame; normalised points lie in 0..1."
                    : $"point ({p.X}, {p.Y}) is outside the frame; pixel points are not negative.";
            }
        }
        return null;
    }

    public static double SignedArea(IReadOnlyList<ZonePoint> points)
    {
        var sum = 0.0;
        for (var i = 0; i < points.Count; i++)
        {
            var (a, b) = (points[i], points[(i + 1) % points.Count]);
            sum += a.X * b.Y - b.X * a.Y;
        }
        return sum / 2;
    }

    /// <summary>Even-odd rule; a point on an edge may fall either way (inertia absorbs it).</summary>
    public static bool Contains(IReadOnlyList<ZonePoint> polygon, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var (a, b) = (polygon[i], polygon[j]);
            if ((a.Y > y) != (b.Y > y) && x < (b.X - a.X) * (y - a.Y) / (b.Y - a.Y) + a.X)
            {
                inside = !inside;
            }
        }
        return inside;
    }

    /// <summary>Which side of the line from <paramref name="a"/> to <paramref name="b"/> the point is on: +1, -1, or 0 on it.</summary>
    public static int Side(ZonePoint a, ZonePoint b, double x, double y)
        => Math.Sign((b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X));

    public static bool SegmentsIntersect(ZonePoint p1, ZonePoint p2, ZonePoint q1, ZonePoint q2)
    {
        int d1 = Side(q1, q2, p1.X, p1.Y), d2 = Side(q1, q2, p2.X, p2.Y), d3 = Side(p1, p2, q1.X, q1.Y), d4 = Side(p1, p2, q2.X, q2.Y);
        if (d1 * d2 < 0 && d3 * d4 < 0)
        {
            return true;
        }
        // Touching: an end of one segment lies on the other.
        return (d1 == 0 && OnSegment(q1, q2, p1)) || (d2 == 0 && OnSegment(q1, q2, p2)) || (d3 == 0 && OnSegment(p1, p2, q1)) || (d4 == 0 && OnSegment(p1, p2, q2));
    }

    private static bool OnSegment(ZonePoint a, ZonePoint b, ZonePoint p)
        => p.X >= Math.Min(a.X, b.X) && p.X <= Math.Max(a.X, b.X) && p.Y >= Math.Min(a.Y, b.Y) && p.Y <= Math.Max(a.Y, b.Y);
}
