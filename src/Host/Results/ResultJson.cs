using System.Buffers;
using System.Text.Json;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Host.Results;

/// <summary>
/// The fields every result payload starts with (schema version 1): which frame it belongs to and
/// which model made it. Each task's encoder writes only what is its own after this header.
/// </summary>
public static class ResultJson
{
    public const int SchemaVersion = 1;

    public static byte[] Write(StageResult r, DateTimeOffset publishTime, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("schema_version", SchemaVersion);
            w.WriteString("task", r.Stage);
            w.WriteString("camera", r.CameraId);
            w.WriteNumber("seq", r.Sequence);
            w.WriteNumber("pts", Math.Round(r.Pts.TotalSeconds, 6));
            w.WriteString("capture_time", r.CaptureTime.UtcDateTime.ToString("O"));
            w.WriteString("capture_time_source", r.CaptureClock.WireName());
            w.WriteString("publish_time", publishTime.UtcDateTime.ToString("O"));
            w.WriteNumber("processing_ms", Math.Round(r.ProcessingTime.TotalMilliseconds, 3));
            w.WriteString("model", r.ModelId);
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One JSON object written by <paramref name="body"/> (a message that is not a per-frame result).</summary>
    public static byte[] Object(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A JSON array with one object per item, its fields written by <paramref name="fields"/> (REST lists).</summary>
    public static byte[] Array<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var item in items)
            {
                w.WriteStartObject();
                fields(w, item);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The frame's size, as "frame": {"width", "height"}.</summary>
    public static void Frame(Utf8JsonWriter w, int width, int height)
    {
        w.WriteStartObject("frame");
        w.WriteNumber("width", width);
        w.WriteNumber("height", height);
        w.WriteEndObject();
    }

    /// <summary>A box in frame pixels (top-left corner, size), to a tenth of a pixel.</summary>
    public static void Box(Utf8JsonWriter w, string name, float x, float y, float width, float height)
    {
        w.WriteStartObject(name);
        w.WriteNumber("x", Math.Round(x, 1));
        w.WriteNumber("y", Math.Round(y, 1));
        w.WriteNumber("w", Math.Round(width, 1));
        w.WriteNumber("h", Math.Round(height, 1));
        w.WriteEndObject();
    }
}
