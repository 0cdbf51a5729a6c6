using System.Text.Json;
using OpenCvSharp;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Results;

/// <summary>
/// Segmentation payloads: per-class pixel fractions in the JSON, and the class-index mask as an 8-bit
/// grey PNG whose pixel values are class ids (companion "mask").
/// </summary>
public static class SegmentationEncoder
{
    public static EncodedResult Encode(SegmentationResult r, DateTimeOffset publishTime, bool withMask, Func<string, string> companionLocation)
    {
        var maskLocation = withMask ? companionLocation("mask") : null;
        var json = ResultJson.Write(r, publishTime, w => Body(w, r, maskLocation));
        return new EncodedResult(json, withMask ? [new Companion("mask", "image/png", ".png", MaskPng(r))] : []);
    }

    /// <summary>The task's own fields (also nested by the joint segmentation + depth payload).</summary>
    public static void Body(Utf8JsonWriter w, SegmentationResult r, string? maskLocation)
    {
        w.WriteStartObject("mask");
        w.WriteNumber("width", r.MaskWidth);
        w.WriteNumber("height", r.MaskHeight);
        w.WriteString("encoding", "png-gray8-class-index");
        if (maskLocation is not null)
        {
            w.WriteString("topic", maskLocation);
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
