using OpenCvSharp;
using StreamVision.Pipelines.Flow;

namespace StreamVision.Host.Results;

/// <summary>
/// Flow payload: the motion summary (frame pixels per frame; direction 0° = right, 90° = down) in
/// the JSON; the field as little-endian float16 pairs (dx, dy) per field pixel, row-major, in field
/// pixels (multiply by scale_x / scale_y for frame pixels) as companion "field"; and on request an
/// HSV picture (hue = direction, brightness = speed) as companion "image".
/// </summary>
public static class FlowEncoder
{
    public static EncodedResult Encode(FlowResult r, DateTimeOffset publishTime, bool withField, bool withImage, Func<string, string> companionLocation)
    {
        var fieldLocation = withField ? companionLocation("field") : null;
        var imageLocation = withImage ? companionLocation("image") : null;
        var json = ResultJson.Write(r, publishTime, w =>
        {
            w.WriteString("engine", r.Engine);
            w.WriteBoolean("has_previous", r.HasPrevious);
            w.WriteStartObject("summary");
            w.WriteNumber("mean_dx", Math.Round(r.Summary.MeanDx, 4));
            w.WriteNumber("mean_dy", Math.Round(r.Summary.MeanDy, 4));
            w.WriteNumber("mean_magnitude", Math.Round(r.Summary.MeanMagnitude, 4));
            w.WriteNumber("moving_fraction", Math.Round(r.Summary.MovingFraction, 6));
            w.WriteNumber("dominant_direction_deg", Math.Round(r.Summary.DominantDirectionDegrees, 2));
            if (r.MeanUncertainty is { } uncertainty)
            {
                w.WriteNumber("mean_uncertainty", Math.Round(uncertainty, 6));
            }
            w.WriteEndObject();
            w.WriteStartObject("field");
            w.WriteNumber("width", r.FieldWidth);
            w.WriteNumber("height", r.FieldHeight);
            w.WriteNumber("scale_x", r.ScaleX);
            w.WriteNumber("scale_y", r.ScaleY);
            w.WriteString("encoding", "f16le-dx-dy-interleaved");
            if (fieldLocation is not null)
            {
                w.WriteString("topic", fieldLocation);
            }
            if (imageLocation is not null)
            {
                w.WriteString("image", imageLocation);
            }
            w.WriteEndObject();
        });
        var companions = new List<Companion>(2);
        if (withField)
        {
            companions.Add(new Companion("field", "application/octet-stream", ".f16", Float16(r.Field)));
        }
        if (withImage)
        {
            companions.Add(new Companion("image", "image/png", ".png", Hsv(r)));
        }
        return new EncodedResult(json, companions);
    }

    public static byte[] Float16(ReadOnlySpan<float> field)
    {
        var bytes = new byte[field.Length * 2];
        for (var i = 0; i < field.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)field[i]);
        }
        return bytes;
    }

    private static unsafe byte[] Hsv(FlowResult r)
    {
        fixed (float* data = r.Field)
        {
            using var field = Mat.FromPixelData(r.FieldHeight, r.FieldWidth, MatType.CV_32FC2, (IntPtr)data);
            Cv2.Split(field, out var planes);
            using var dx = planes[0];
            using var dy = planes[1];
            using var magnitude = new Mat();
            using var angle = new Mat();
            Cv2.CartToPolar(dx, dy, magnitude, angle, angleInDegrees: true);
            using var hue = new Mat();
            angle.ConvertTo(hue, MatType.CV_8U, 0.5);
            Cv2.MinMaxLoc(magnitude, out _, out double max);
            using var value = new Mat();
            magnitude.ConvertTo(value, MatType.CV_8U, max > 0 ? 255 / max : 0);
            using var saturation = new Mat(r.FieldHeight, r.FieldWidth, MatType.CV_8U, Scalar.All(255));
            using var hsv = new Mat();
            Cv2.Merge([hue, saturation, value], hsv);
            using var bgr = new Mat();
            Cv2.CvtColor(hsv, bgr, ColorConversionCodes.HSV2BGR);
            return bgr.ImEncode(".png");
        }
    }
}
