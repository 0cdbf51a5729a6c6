using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StreamVision.Pipelines.VideoLlm;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Questions to the VideoLLM on &lt;prefix&gt;/&lt;camera&gt;/ask (plain text, or JSON {"question": "…"}).
/// The answer — text, the stream time range of the memory it drew on, latency — goes to the
/// request's MQTT 5 response topic with its correlation data, or to &lt;prefix&gt;/&lt;camera&gt;/answer.
/// Answers are written on the camera's answer thread: frames keep entering the memory meanwhile.
/// </summary>
public sealed class QuestionHandler(MqttPublisher publisher, MqttSetup mqtt, LiveCameras cameras, VideoLlmStageFactory videollm, ILogger log)
{
    public const int MaxQuestionBytes = 2048;

    public void Subscribe() => publisher.Subscribe($"{mqtt.Topics.Prefix}/+/ask", Handle);

    private void Handle(IncomingMessage message)
    {
        var camera = mqtt.Topics.CameraOf(message.Topic) ?? "";
        var replyTo = message.ResponseTopic ?? $"{mqtt.Topics.Prefix}/{camera}/answer";
        string? question = null;
        string? error = null;
        if (message.Payload.Length > MaxQuestionBytes)
        {
            error = $"question of {message.Payload.Length} bytes refused; at most {MaxQuestionBytes}.";
        }
        else
        {
            try
            {
                var text = new UTF8Encoding(false, true).GetString(message.Payload).Trim();
                question = text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.GetProperty("question").GetString() : text;
            }
            catch (Exception e) when (e is DecoderFallbackException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                error = "send the question as text, or as JSON {\"question\": \"…\"}.";
            }
        }
        if (error is null && string.IsNullOrWhiteSpace(question))
        {
            error = "the question is empty.";
        }
        if (error is null && !videollm.Ask(camera, question!, answer => Reply(replyTo, message.CorrelationData, Json(answer))))
        {
            error = cameras.Has(camera) ? $"camera '{camera}' has too many questions waiting; ask again shortly." : $"no camera '{camera}'.";
        }
        if (error is not null)
        {
            log.LogWarning("question on {Topic} refused: {Error}", message.Topic, error);
            Reply(replyTo, message.CorrelationData, JsonSerializer.SerializeToUtf8Bytes(new { ok = false, camera, error }));
        }
    }

    public static byte[] Json(Answer a) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        ok = true,
        camera = a.Camera,
        question = a.Question,
        answer = a.Text,
        covers = new { from = Math.Round(a.From, 3), to = Math.Round(a.To, 3) },
        latency_ms = Math.Round(a.Latency.TotalMilliseconds, 1),
    });

    private void Reply(string topic, byte[]? correlation, byte[] body)
        => publisher.TryPublish(new OutgoingMessage(topic, body, "application/json", Qos: 1, CorrelationData: correlation));
}
