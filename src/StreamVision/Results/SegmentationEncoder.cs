using System.Buffers;
using System.Text.Json;
using OpenCvSharp;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Results;

/// <summary>
/// The segmentation payloads, schema version 1: a JSON summary (frame identity and times, model,
/// per-class pixel fractions) and the class-index mask as an 8-bit grey PNG whose pixel values are
/// class ids. Field names are part of the public contract (docs/ARCHITECTURE.md).
/// </summary>
public static class SegmentationEncoder
{
    public const int SchemaVersion = 1;

    public static byte[] Json(SegmentationResult r, DateTimeOffset publishTime, string? maskTopic)
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
            w.WriteString("publish_time", publishTime.UtcDateTime.ToString("O"));
            w.WriteNumber("processing_ms", Math.Round(r.ProcessingTime.TotalMilliseconds, 3));
            w.WriteString("model", r.ModelId);
            w.WriteStartObject("mask");
            w.WriteNumber("width", r.MaskWidth);
            w.WriteNumber("height", r.MaskHeight);
            w.WriteString("encoding", "png-gray8-class-index");
            if (maskTopic is not null)
            {
                w.WriteString("topic", maskTopic);
            }
            w.WriteEndObject();
            w.WriteStartArray("classes");
            for (var i = 0; i < r.ClassNames.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", i);
                w.WriteString("name", r.ClassNames[i]);
                w.WriteNumber("fraction", Math.Round(r.ClassFractions[i], 6));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static unsafe byte[] MaskPng(SegmentationResult r)
    {
        fixed (byte* mask = r.Mask)
        {
            using var mat = Mat.FromPixelData(r.MaskHeight, r.MaskWidth, MatType.CV_8UC1, (IntPtr)mask);
            return mat.ImEncode(".png", new ImageEncodingParam(ImwriteFlags.PngCompression, 1));
        }
    }
}
