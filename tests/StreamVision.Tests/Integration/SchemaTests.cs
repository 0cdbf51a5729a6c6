using System.Text;
using System.Text.Json;
using Json.Schema;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Real published payloads of every kind, from a service running every stage, validated
/// against the versioned JSON Schemas in docs/schemas/v1 that subscriber authors code against.</summary>
[Trait("Category", "Integration")]
public sealed class SchemaTests
{
    private static readonly string SchemaDir = Path.Combine(SharedData.RepoRoot, "docs", "schemas", "v1");

    internal static Dictionary<string, JsonSchema> LoadSchemas()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var files = Directory.GetFiles(SchemaDir, "*.schema.json").OrderBy(f => Path.GetFileName(f) == "header.schema.json" ? 0 : 1);
        return files.ToDictionary(
            f => Path.GetFileName(f).Replace(".schema.json", ""),
            f => JsonSchema.Build(JsonDocument.Parse(File.ReadAllText(f)).RootElement, options, null));
    }

    internal static string? SchemaFor(string topic)
    {
        var parts = topic.Split('/');
        return parts switch
        {
            ["s", "stats"] => "stats",
            ["s", "events"] => "event",
            ["s", "reviews"] => "review",
            ["s", _, "events"] => "events",
            ["s", _, "status"] => "status",
            ["s", _, _, "error"] or ["s", "replies", _] => "command-reply",
            ["s", "answers", _] => "answer",
            ["s", _, var task] when task is "segmentation" or "detection" or "depth" or "flow" or "semdepth" or "body" or "videollm" => task,
            _ => null,
        };
    }

    [Fact]
    public async Task Every_published_payload_matches_its_schema()
    {
        var schemas = LoadSchemas();
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?width=320&height=180&fps=10", Intrinsics = [300, 300, 160, 90] } },
            Stages =
            {
                Segmentation = { Enabled = true },
                Detection = { Enabled = true },
                Depth = { Enabled = true },
                Flow = { Enabled = true, PublishImage = true },
                SemDepth = { Enabled = true },
                Body = { Enabled = true },
                VideoLlm = { Enabled = true, NarrationIntervalSeconds = 1, MaxTokens = 8 },
            },
            Models = { SearchPaths = { SharedData.Models } },
            Mqtt = { Port = port, Prefix = "s", StatsIntervalSeconds = 0.5 },
            Http = { Enabled = false },
            Live = { Queue = 2 },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(port, "s/#");
        var pose = $"{{\"time\": {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0}, \"rotation\": [1, 0, 0, 0], \"translation\": [0, 0, 0]}}";
        await client.PublishAsync("s/cam/pose", pose);
        await client.PublishAsync("s/cam/max_fps/set", "fast");
        await client.PublishAsync("s/cam/max_fps/set", Encoding.UTF8.GetBytes("8"), responseTopic: "s/replies/me", correlation: [7]);
        await client.PublishAsync("s/cam/ask", Encoding.UTF8.GetBytes("What is there?"), responseTopic: "s/answers/me", correlation: [1]);
        await client.WaitForAsync(m => m.Any(x => x.Topic == "s/stats") && m.Any(x => x.Topic == "s/cam/body") && m.Count(x => x.Topic == "s/cam/flow") > 2
            && m.Any(x => x.Topic == "s/replies/me") && m.Any(x => x.Topic == "s/answers/me") && m.Any(x => x.Topic == "s/cam/videollm"), TimeSpan.FromSeconds(30));

        var checkedKinds = new HashSet<string>();
        var failures = new List<string>();
        foreach (var message in client.Messages)
        {
            if (SchemaFor(message.Topic) is not { } kind)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(message.Payload);
            var result = schemas[kind].Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!result.IsValid)
            {
                var why = string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
                failures.Add($"{message.Topic} ({kind}): {why} :: {message.Text[..Math.Min(300, message.Text.Length)]}");
            }
            checkedKinds.Add(kind);
        }
        Assert.Empty(failures);
        Assert.Equal(["answer", "body", "command-reply", "depth", "detection", "events", "flow", "segmentation", "semdepth", "stats", "status", "videollm"], checkedKinds.Order());

        // The schemas do bite: a payload with a field they do not know, or a wrong type, fails.
        var sample = client.Messages.First(m => m.Topic == "s/cam/segmentation").Text;
        Assert.False(schemas["segmentation"].Evaluate(JsonDocument.Parse(sample.Replace("\"classes\"", "\"klasses\"")).RootElement).IsValid);
        Assert.False(schemas["segmentation"].Evaluate(JsonDocument.Parse(sample.Replace("\"seq\":", "\"seq\":\"x\",\"old_seq\":")).RootElement).IsValid);

        // The pose message a platform sends, as documented, matches its schema too.
        Assert.True(schemas["pose"].Evaluate(JsonDocument.Parse(pose).RootElement).IsValid);
        Assert.False(schemas["pose"].Evaluate(JsonDocument.Parse("{\"rotation\": [1,0,0,0], \"translation\": [0,0,0]}").RootElement).IsValid);
    }
}
