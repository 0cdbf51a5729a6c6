using StreamVision.Pipelines.Events;

namespace StreamVision.Host.Config;

/// <summary>An area of one camera's picture (cameras[].zones[]).</summary>
public sealed class ZoneConfig
{
    /// <summary>Name in payloads, events and Home Assistant entities: letters, digits, _ and -.</summary>
    public string Name { get; set; } = "";

    /// <summary>Corners in order around the zone, [[x, y], …].</summary>
    public List<List<double>> Points { get; set; } = new();

    /// <summary>auto (normalised when every value is within 0..1, pixels otherwise), normalized or pixels.</summary>
    public string Coordinates { get; set; } = "auto";

    /// <summary>Classes the zone counts; empty counts every tracked class.</summary>
    public List<string> Labels { get; set; } = new();
}

/// <summary>A tripwire on one camera's picture (cameras[].lines[]): two points, [[x1, y1], [x2, y2]].</summary>
public sealed class LineConfig
{
    public string Name { get; set; } = "";
    public List<List<double>> Points { get; set; } = new();
    public string Coordinates { get; set; } = "auto";
    public List<string> Labels { get; set; } = new();
}

/// <summary>Checks a camera's zones and lines and turns them into the events stage's shapes.</summary>
public static class CameraZonesConfig
{
    public static CameraZones ToZones(CameraConfig camera) => new(
        camera.Zones.Select(z => new ZoneDefinition(z.Name, Points(z.Points), IsNormalized(z.Points, z.Coordinates), z.Labels.ToHashSet())).ToList(),
        camera.Lines.Select(l => new LineDefinition(l.Name, Points(l.Points)[0], Points(l.Points)[1], IsNormalized(l.Points, l.Coordinates), l.Labels.ToHashSet())).ToList());

    internal static IEnumerable<ConfigProblem> Check(CameraConfig camera, string key)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < camera.Zones.Count; i++)
        {
            var zone = camera.Zones[i];
            foreach (var problem in CheckShape($"{key}.zones[{i}]", "zone", zone.Name, zone.Points, zone.Coordinates, names, camera.Id,
                         (points, normalized) => ZoneGeometry.ProblemWithPolygon(points, normalized)))
            {
                yield return problem;
            }
        }
        for (var i = 0; i < camera.Lines.Count; i++)
        {
            var line = camera.Lines[i];
            foreach (var problem in CheckShape($"{key}.lines[{i}]", "line", line.Name, line.Points, line.Coordinates, names, camera.Id,
                         (points, normalized) => ZoneGeometry.ProblemWithLine(points, normalized)))
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<ConfigProblem> CheckShape(string key, string kind, string name, List<List<double>> raw, string coordinates, HashSet<string> names, string camera,
        Func<IReadOnlyList<ZonePoint>, bool, string?> problemWith)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            yield return ConfigProblem.Bad($"{key}.name", name, $"name the {kind} with letters, digits, _ or - (it appears in payloads and Home Assistant entities).");
            yield break;
        }
        if (!names.Add(name))
        {
            yield return ConfigProblem.Bad($"{key}.name", name, $"camera '{camera}' already has a zone or line with this name; names must be unique per camera.");
        }
        if (coordinates is not ("auto" or "normalized" or "pixels"))
        {
            yield return ConfigProblem.Bad($"{key}.coordinates", coordinates, "use auto, normalized (0..1 of the frame) or pixels.");
            yield break;
        }
        if (raw.FirstOrDefault(p => p.Count != 2) is { } odd)
        {
            yield return ConfigProblem.Bad($"{key}.points", $"[{string.Join(", ", odd)}]", $"camera '{camera}', {kind} '{name}': write each point as [x, y].");
            yield break;
        }
        if (problemWith(Points(raw), IsNormalized(raw, coordinates)) is { } why)
        {
            yield return new ConfigProblem($"{key}.points", $"'{key}.points': camera '{camera}', {kind} '{name}': {why}");
        }
    }

    private static List<ZonePoint> Points(List<List<double>> raw) => raw.Select(p => new ZonePoint(p[0], p[1])).ToList();

    private static bool IsNormalized(List<List<double>> raw, string coordinates) => coordinates switch
    {
        "normalized" => true,
        "pixels" => false,
        _ => raw.SelectMany(p => p).All(v => v is >= 0 and <= 1),
    };
}
