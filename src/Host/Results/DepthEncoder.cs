using System.Buffers;
using System.Text.Json;
using OpenCvSharp;
using StreamVision.Pipelines.Depth;

namespace StreamVision.Host.Results;

/// <summary>
/// Depth payload: statistics (min, median, max; nearest value in the left, centre and right
/// thirds) in the JSON, and the map as a 16-bit grey PNG (companion "depth") whose value v stands
/// for v × scale + offset in the JSON's unit. The map is stretched over the frame's own min..max,
/// so scale and offset change per frame.
/// </summary>
public static class DepthEncoder
{
    public static EncodedResult Encode(DepthResult r, DateTimeOffset publishTime, bool withImage, Func<string, string> companionLocation)
    {
        var location = withImage ? companionLocation("depth") : null;
        var json = ResultJson.Write(r, publishTime, w => Body(w, r, location));
        return new EncodedResult(json, withImage ? [Image(r)] : []);
    }

    /// <summary>16-bit levels stretched over the map's own min..max.</summary>
    private static double Scale(DepthResult r) => r.Max - r.Min > 0 ? (r.Max - r.Min) / 65535.0 : 0;

    /// <summary>The map as a 16-bit PNG companion "depth".</summary>
    public static Companion Image(DepthResult r) => new("depth", "image/png", ".png", Png(r, Scale(r)));

    /// <summary>The task's own fields (also nested by the joint segmentation + depth payload).</summary>
    public static void Body(Utf8JsonWriter w, DepthResult r, string? location)
    {
        var scale = Scale(r);
        w.WriteString("unit", r.Metric ? "metre" : "relative_inverse_depth");
        w.WriteString("nearer_is", r.Metric ? "smaller" : "larger");
        w.WriteNumber("min", r.Min);
        w.WriteNumber("median", r.Median);
        w.WriteNumber("max", r.Max);
        w.WriteStartObject("nearest");
        w.WriteNumber("left", r.Nearest.Left);
        w.WriteNumber("centre", r.Nearest.Centre);
        w.WriteNumber("right", r.Nearest.Right);
        w.WriteEndObject();
        w.WriteStartObject("map");
        w.WriteNumber("width", r.Width);
        w.WriteNumber("height", r.Height);
        w.WriteString("encoding", "png-gray16");
        w.WriteNumber("scale", scale);
        w.WriteNumber("offset", r.Min);
        if (location is not null)
        {
            w.WriteString("topic", location);
        }
        w.WriteEndObject();
    }

    private static unsafe byte[] Png(DepthResult r, double scale)
    {
        var count = r.Width * r.Height;
        var levels = ArrayPool<ushort>.Shared.Rent(count);
        try
        {
            var values = r.Values;
            for (var i = 0; i < count; i++)
            {
                levels[i] = scale > 0 ? (ushort)Math.Clamp(Math.Round((values[i] - r.Min) / scale), 0, 65535) : (ushort)0;
            }
            fixed (ushort* data = levels)
            {
                using var mat = Mat.FromPixelData(r.Height, r.Width, MatType.CV_16UC1, (IntPtr)data);
                return mat.ImEncode(".png", new ImageEncodingParam(ImwriteFlags.PngCompression, 1));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(levels);
        }
    }
}
