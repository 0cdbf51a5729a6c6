using System.Buffers;
using System.Text.Json;
using StreamVision.Ingest.Sources;

namespace StreamVision.Host.Results;

/// <summary>The retained camera status payload, schema version 1:
/// <c>{"schema_version":1,"camera":"gate","state":"reconnecting","url":"rtsp://user:***@cam/stream",
/// "message":"…","attempt":3,"retry_in_ms":2000,"since":"…"}</c>.</summary>
public static class CameraStatusEncoder
{
    public static byte[] Json(SourceStatus status)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("schema_version", 1);
            w.WriteString("camera", status.CameraId);
            w.WriteString("state", status.State.ToString().ToLowerInvariant());
            w.WriteString("url", status.Url);
            if (status.Message is not null)
            {
                w.WriteString("message", status.Message);
            }
            w.WriteNumber("attempt", status.Attempt);
            if (status.RetryIn is { } retry)
            {
                w.WriteNumber("retry_in_ms", Math.Round(retry.TotalMilliseconds));
            }
            w.WriteString("since", status.Since.UtcDateTime.ToString("O"));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
