using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The VideoLLM stage in the running service with the generated SmolVLM-contract model:
/// narration published, questions over a real broker answered with correlation data, and frames
/// still entering the memory at their rate while questions are answered.</summary>
[Trait("Category", "Integration")]
public sealed class VideoLlmTests
{
    [Fact]
    public async Task Dialogue_over_mqtt_with_correlation_while_ingestion_keeps_its_rate()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?width=320&height=180&fps=10" } },
            Stages = { Segmentation = { PublishMask = false }, VideoLlm = { Enabled = true, IngestFps = 2, NarrationIntervalSeconds = 2, VisualWindowSeconds = 2, MaxTokens = 24 } },
            Mqtt = { Port = mqttPort, Prefix = "v", StatsIntervalSeconds = 0 },
            Http = { Port = httpPort },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "v/#");
        var videollm = host.VideoLlm!;
        await client.WaitForAsync(_ => videollm.IngestedFrames("cam") >= 2, TimeSpan.FromSeconds(10));

        // The baseline: this machine's ingestion rate right now, with no question asked.
        var baselineClock = Stopwatch.StartNew();
        var baselineBefore = videollm.IngestedFrames("cam");
        await Task.Delay(3000);
        var baselineRate = (videollm.IngestedFrames("cam") - baselineBefore) / baselineClock.Elapsed.TotalSeconds;

        var started = Stopwatch.StartNew();
        var ingestedBefore = videollm.IngestedFrames("cam");
        for (var i = 0; i < 6; i++)
        {
            await client.PublishAsync("v/cam/ask", Encoding.UTF8.GetBytes($"What happened so far? ({i})"), responseTopic: "v/me/answers", correlation: [(byte)i]);
            await Task.Delay(500);
        }
        await client.WaitForAsync(m => m.Count(x => x.Topic == "v/me/answers") >= 6, TimeSpan.FromSeconds(60));
        var elapsed = started.Elapsed.TotalSeconds;
        var ingested = videollm.IngestedFrames("cam") - ingestedBefore;

        var answers = client.Messages.Where(m => m.Topic == "v/me/answers").ToList();
        Assert.Equal(6, answers.Count);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (byte)i), answers.Select(a => a.CorrelationData![0]).Order());
        foreach (var message in answers)
        {
            var a = JsonDocument.Parse(message.Payload).RootElement;
            Assert.True(a.GetProperty("ok").GetBoolean(), message.Text);
            Assert.Equal("cam", a.GetProperty("camera").GetString());
            Assert.False(string.IsNullOrWhiteSpace(a.GetProperty("answer").GetString()), message.Text);
            Assert.True(a.GetProperty("covers").GetProperty("to").GetDouble() >= a.GetProperty("covers").GetProperty("from").GetDouble());
            Assert.True(a.GetProperty("latency_ms").GetDouble() > 0);
        }
        // Ingestion kept its rate while the questions were answered on the answer thread: at least
        // half the rate measured just before without questions (answering on the stage thread
        // would stop it for each answer's whole generation).
        Assert.True(ingested >= baselineRate * elapsed * 0.5, $"{ingested} frames entered the memory in {elapsed:0.0} s; {baselineRate:0.00} fps without questions");

        // Narration every 2 s of stream.
        await client.WaitForAsync(m => m.Any(x => x.Topic == "v/cam/videollm"), TimeSpan.FromSeconds(10));
        var narration = JsonDocument.Parse(client.Messages.First(m => m.Topic == "v/cam/videollm").Payload).RootElement;
        Assert.Equal("videollm", narration.GetProperty("task").GetString());
        Assert.Equal("reference_videollm", narration.GetProperty("model").GetString());
        Assert.False(string.IsNullOrWhiteSpace(narration.GetProperty("text").GetString()));

        // Memory stays within its budget and expired frames became text with the perception facts.
        var cache = videollm.CacheOf("cam")!;
        Assert.True(cache.BytesHeld <= cache.Budget.Limit);
        Assert.Contains("scene", cache.LongTermText());

        // The same over REST, and refused questions are answered with the reason.
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        Assert.Matches(@"streamvision_cache_bytes\S*\{[^}]*camera=""cam""[^}]*\} [1-9]", await http.GetStringAsync("metrics"));
        var rest = await http.PostAsJsonAsync("api/cameras/cam/ask", new { question = "Anyone there?" });
        Assert.True(rest.IsSuccessStatusCode, await rest.Content.ReadAsStringAsync());
        Assert.True(JsonDocument.Parse(await rest.Content.ReadAsStringAsync()).RootElement.GetProperty("ok").GetBoolean());
        await client.PublishAsync("v/cam/ask", new byte[5000], responseTopic: "v/me/refused", correlation: [9]);
        await client.PublishAsync("v/nobody/ask", Encoding.UTF8.GetBytes("hello?"), responseTopic: "v/me/refused", correlation: [10]);
        await client.WaitForAsync(m => m.Count(x => x.Topic == "v/me/refused") >= 2, TimeSpan.FromSeconds(5));
        var refused = client.Messages.Where(m => m.Topic == "v/me/refused").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        Assert.All(refused, r => Assert.False(r.GetProperty("ok").GetBoolean()));
        Assert.Contains(refused, r => r.GetProperty("error").GetString()!.Contains("5000 bytes refused"));
        Assert.Contains(refused, r => r.GetProperty("error").GetString()!.Contains("no camera 'nobody'"));
    }
}

[Trait("Category", "Integration")]
public sealed class AskTimeoutTests
{
    /// <summary>A REST question not answered in time is a 504 naming the setting, not a 500.</summary>
    [Fact]
    public async Task A_rest_question_that_outlasts_the_timeout_gets_a_504_naming_the_setting()
    {
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?width=160&height=96&fps=10" } },
            Stages = { Segmentation = { PublishMask = false }, VideoLlm = { Enabled = true, NarrationIntervalSeconds = 0, MaxTokens = 48 } },
            Mqtt = { Port = FreePort.Next(), Prefix = "t", StatsIntervalSeconds = 0 },
            Http = { Port = FreePort.Next(), AskTimeoutSeconds = 0.001 },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        var reply = await http.PostAsJsonAsync("api/cameras/cam/ask", new { question = "What happened so far?" });
        Assert.Equal(System.Net.HttpStatusCode.GatewayTimeout, reply.StatusCode);
        Assert.Contains("http.ask_timeout_seconds", await reply.Content.ReadAsStringAsync());
    }
}

[Trait("Category", "Integration")]
public sealed class LlmVerbalizerTests
{
    [Fact]
    public async Task With_the_llm_verbalizer_the_model_writes_long_term_memory_in_chunks()
    {
        var mqttPort = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?width=320&height=180&fps=10" } },
            Stages =
            {
                Segmentation = { PublishMask = false },
                VideoLlm = { Enabled = true, IngestFps = 4, NarrationIntervalSeconds = 0, VisualWindowSeconds = 1, Verbalizer = "llm", VerbalizeEverySeconds = 1.5, MaxTokens = 12 },
            },
            Mqtt = { Port = mqttPort, Prefix = "l", StatsIntervalSeconds = 0 },
            Http = { Enabled = false },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        var cache = host.VideoLlm!.CacheOf("cam")!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (cache.LongTerm.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var segments = cache.LongTerm;
        Assert.True(segments.Count >= 2, $"{segments.Count} segments");
        // Written by the model, not from perception facts, and each covering a chunk of frames.
        Assert.DoesNotContain(segments, s => s.Text.Contains("scene"));
        Assert.All(segments, s => Assert.True(s.End - s.Start >= 1.4, s.Text));
        Assert.All(segments, s => Assert.Matches(@"^\[\d\d:\d\d–\d\d:\d\d\] \S", s.Text));
        // Asked a question, the model attends to the long-term text as KV (encoded once, kept in
        // the cache), not a re-prefill of it in the prompt.
        using var answered = new ManualResetEventSlim();
        Assert.True(host.VideoLlm!.Ask("cam", "What happened?", _ => answered.Set()));
        Assert.True(answered.Wait(TimeSpan.FromSeconds(30)), "no answer");
        Assert.Contains(cache.LongTermKv, kv => kv is { Kind: StreamVision.Cache.Kv.TokenKind.Text, Tokens: > 0 });
        Assert.True(cache.BytesHeld <= cache.Budget.Limit);
    }
}
