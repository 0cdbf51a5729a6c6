using System.Globalization;
using System.Numerics;
using System.Text.Json;
using StreamVision.Pipelines.Pose;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Reads a pose message from &lt;prefix&gt;/&lt;camera&gt;/pose (documented in docs/MQTT.md):
/// <c>{"time": 1764240000.125, "rotation": [w, x, y, z], "translation": [x, y, z],
/// "intrinsics": [fx, fy, cx, cy], "new_trajectory": false}</c>. "time" is Unix seconds or an ISO 8601
/// UTC string, compared with frames' capture time; with <c>pose.clock: pts</c> give "pts" (seconds on
/// the stream clock) instead. "intrinsics" and "new_trajectory" are optional.
/// </summary>
public static class PoseMessage
{
    public static CameraPose Parse(ReadOnlySpan<byte> payload, PoseClock clock)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected a JSON object");
            }
            var time = clock == PoseClock.Pts ? Number(root, "pts") : Time(root);
            var r = Numbers(root, "rotation", 4);
            var rotation = new Quaternion((float)r[1], (float)r[2], (float)r[3], (float)r[0]);
            if (rotation.Length() < 1e-6f)
            {
                throw new FormatException("'rotation' is not a rotation (all zeros); send a unit quaternion [w, x, y, z]");
            }
            var t = Numbers(root, "translation", 3);
            Intrinsics? intrinsics = null;
            if (root.TryGetProperty("intrinsics", out _))
            {
                var k = Numbers(root, "intrinsics", 4);
                intrinsics = new Intrinsics((float)k[0], (float)k[1], (float)k[2], (float)k[3]);
            }
            var newTrajectory = root.TryGetProperty("new_trajectory", out var flag) && flag.ValueKind == JsonValueKind.True;
            return new CameraPose(time, Quaternion.Normalize(rotation), new Vector3((float)t[0], (float)t[1], (float)t[2]), newTrajectory, intrinsics);
        }
    }

    private static double Time(JsonElement root)
    {
        if (!root.TryGetProperty("time", out var time))
        {
            throw new FormatException("'time' is missing (Unix seconds or ISO 8601 UTC, the moment the pose was measured); with pose.clock: pts send 'pts' instead");
        }
        if (time.ValueKind == JsonValueKind.Number)
        {
            return time.GetDouble();
        }
        if (time.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.ToUnixTimeMilliseconds() / 1000.0;
        }
        throw new FormatException($"'time' = {time.GetRawText()} is neither Unix seconds nor an ISO 8601 time");
    }

    private static double Number(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new FormatException($"'{name}' is missing or not a number");

    private static double[] Numbers(JsonElement root, string name, int count)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != count
            || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
        {
            throw new FormatException($"'{name}' must be an array of {count} numbers");
        }
        var numbers = value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        if (numbers.Any(v => !double.IsFinite(v)))
        {
            throw new FormatException($"'{name}' holds a value that is not finite");
        }
        return numbers;
    }
}
