using StreamVision.Pipelines.VideoLlm;

namespace StreamVision.Host.Results;

/// <summary>Narration payload: the text and the stream time its memory covers.</summary>
public static class VideoLlmEncoder
{
    public static EncodedResult Encode(NarrationResult r, DateTimeOffset publishTime) => new(ResultJson.Write(r, publishTime, w =>
    {
        w.WriteString("text", r.Text);
        w.WriteStartObject("covers");
        w.WriteNumber("from", Math.Round(r.From, 3));
        w.WriteNumber("to", Math.Round(r.To, 3));
        w.WriteEndObject();
    }), []);
}
