using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>
/// Hostile input by the thousand, seeded so a failure can be replayed: mutated YAML configs and
/// model manifests (each is loaded, or refused with a configuration error naming where), and,
/// against one running service, mutated MQTT commands, poses and questions and mutated REST bodies,
/// paths and query strings (each answered with a clear error, never a 500). Afterwards the service
/// still serves results, and its log has no unhandled exception.
/// </summary>
[Trait("Category", "Slow")]
public sealed class HostileInputTests
{
    private const int Seed = 20261202;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90); // per part: bounded even on a slow machine

    [Fact]
    public void Mutated_configs_load_or_are_refused_with_a_configuration_error()
    {
        var mutator = new Mutator(Seed);
        string[] seeds =
        [
            File.ReadAllText(Path.Combine(SharedData.RepoRoot, "config", "streamvision.example.yaml")),
            "cameras:\n  - id: a\n    url: synthetic://p?fps=5\n    reconnect: { max_attempts: 3 }\nmqtt:\n  port: 1999\n  qos: { results: 1 }\nstages:\n  detection:\n    enabled: true\n    classes: [person, car]\n",
        ];
        var unexpected = Run(3000, () => ConfigLoader.Load(new ConfigInputs { Text = mutator.Mutate(mutator.Pick(seeds)), TextName = "fuzz.yaml", Environment = new Dictionary<string, string>() }),
            e => e is ConfigurationException && e.Message.StartsWith("fuzz.yaml", StringComparison.Ordinal));
        Assert.True(unexpected.Count == 0, "unexpected outcomes (seed " + Seed + "):\n" + string.Join("\n", unexpected.Take(5)));
    }

    [Fact]
    public void Mutated_manifests_load_or_are_refused_with_a_configuration_error()
    {
        var mutator = new Mutator(Seed + 1);
        var seeds = Directory.GetFiles(Path.Combine(SharedData.RepoRoot, "models"), "*.yaml").Select(File.ReadAllText).ToArray();
        var unexpected = Run(2000, () => ManifestLoader.Parse(mutator.Mutate(mutator.Pick(seeds)), "fuzz-manifest.yaml"),
            e => e is ConfigurationException && e.Message.Contains("fuzz-manifest.yaml", StringComparison.Ordinal));
        Assert.True(unexpected.Count == 0, "unexpected outcomes (seed " + (Seed + 1) + "):\n" + string.Join("\n", unexpected.Take(5)));
    }

    /// <summary>Runs <paramref name="count"/> attempts (within the budget); returns each outcome that is neither success nor an accepted error.</summary>
    private static List<string> Run(int count, Action attempt, Func<Exception, bool> accepted)
    {
        var unexpected = new List<string>();
        var deadline = DateTime.UtcNow + Budget;
        var done = 0;
        for (; done < count && DateTime.UtcNow < deadline; done++)
        {
            try
            {
                attempt();
            }
            catch (Exception e) when (accepted(e))
            {
            }
            catch (Exception e)
            {
                unexpected.Add($"{e.GetType().Name}: {e.Message} at {string.Join(" < ", (e.StackTrace ?? "").Split('\n').Take(4).Select(l => l.Trim()))}");
            }
        }
        Assert.Equal(count, done);
        return unexpected;
    }

    [Fact]
    public async Task A_running_service_answers_thousands_of_mutated_commands_and_requests_and_keeps_serving()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "a", Url = "synthetic://p?width=160&height=96&fps=10" } },
            Stages =
            {
                Segmentation = { PublishMask = false },
                SemDepth = { Enabled = true, PublishMask = false, PublishDepth = false },
                VideoLlm = { Enabled = true, NarrationIntervalSeconds = 0, MaxTokens = 2 },
            },
            Mqtt = { Port = mqttPort, Prefix = "fz", StatsIntervalSeconds = 0 },
            Http = { Port = httpPort, AskPerMinute = 1_000_000, AskTimeoutSeconds = 0.05 },
            SummaryIntervalSeconds = 0,
        };
        using var logs = new CapturedLogs(LogLevel.Warning);
        await using var host = await ServiceHost.StartAsync(config, logs.Factory, CancellationToken.None);
        await using var client = await MqttCapture.ConnectAsync(mqttPort, "fz/#");
        using var http = new HttpClient { BaseAddress = host.Http!.Address, Timeout = TimeSpan.FromSeconds(10) };
        var mutator = new Mutator(Seed + 2);

        // MQTT: setting commands, poses, questions; also on mangled camera and setting names.
        string[] topics = ["fz/a/segmentation/set", "fz/a/max_fps/set", "fz/a/semdepth/set", "fz/a/nope/set", "fz/zz/segmentation/set", "fz/a/pose", "fz/a/ask", "fz/zz/ask", "fz/zz/pose"];
        string[] payloads = ["ON", "OFF", "5", "none", "{\"time\": 1764240000.125, \"rotation\": [1, 0, 0, 0], \"translation\": [12.5, -3.0, 41.2], \"intrinsics\": [920, 920, 640, 360], \"new_trajectory\": false}", "{\"question\": \"what is there?\"}", "what moves?"];
        var deadline = DateTime.UtcNow + Budget;
        var sent = 0;
        for (; sent < 3000 && DateTime.UtcNow < deadline; sent++)
        {
            var topic = mutator.Next(10) == 0 ? $"fz/{mutator.Mutate("a").Replace("/", "", StringComparison.Ordinal).Replace("+", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal)}/pose" : mutator.Pick(topics);
            if (topic.Contains('\0') || topic == "fz//pose")
            {
                topic = "fz/a/pose";
            }
            await client.PublishAsync(topic, Encoding.UTF8.GetBytes(mutator.Mutate(mutator.Pick(payloads))));
        }
        Assert.Equal(3000, sent);

        // REST: bodies, settings, questions, paths and query strings. A NUL in the path is refused
        // by Kestrel itself before any of the service's code runs: a bare 400, the one answer
        // without a message (docs/REST.md says so).
        var bad = new List<string>();
        deadline = DateTime.UtcNow + Budget;
        var requests = 0;
        string[] cameraBodies = ["{\"id\": \"b\", \"url\": \"synthetic://p?width=32&height=32&fps=1\", \"max_fps\": 1}", "{\"id\": \"c\", \"url\": \"synthetic://p?width=32&height=32&fps=1\", \"reconnect\": {\"max_attempts\": 2}}"];
        string[] paths = ["api/cameras/a", "api/cameras/a/stages/segmentation/latest", "api/cameras/a/stages/semdepth/latest/mask", "api/cameras/a/frame.jpg", "api/cameras/a/narration", "api/stages", "api/cameras?x=1&y=%00"];
        for (; requests < 3000 && DateTime.UtcNow < deadline; requests++)
        {
            using var request = (requests % 4) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Post, "api/cameras") { Content = new StringContent(mutator.Mutate(mutator.Pick(cameraBodies)), Encoding.UTF8, "application/json") },
                1 => new HttpRequestMessage(HttpMethod.Put, $"api/cameras/a/settings/{Uri.EscapeDataString(mutator.Mutate(mutator.Pick(new[] { "segmentation", "max_fps", "semdepth" })))}") { Content = new StringContent(mutator.Mutate(mutator.Pick(payloads))) },
                2 => new HttpRequestMessage(HttpMethod.Post, "api/cameras/a/ask") { Content = new StringContent(mutator.Mutate(mutator.Pick(payloads)), Encoding.UTF8, "application/json") },
                _ => new HttpRequestMessage(mutator.Next(5) == 0 ? HttpMethod.Delete : HttpMethod.Get, Escape(mutator.Mutate(mutator.Pick(paths)))),
            };
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status is >= 500 and not (501 or 503 or 504))
            {
                bad.Add($"{request.Method} {request.RequestUri} → {status}: {body[..Math.Min(200, body.Length)]}");
            }
            else if (status >= 400 && !HasError(body) && !(status == 400 && body.Length == 0 && request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal)))
            {
                bad.Add($"{request.Method} {request.RequestUri} → {status} without an error message: '{body[..Math.Min(200, body.Length)]}'");
            }
            if (status == 201 && request.Method == HttpMethod.Post && JsonDocument.Parse(body).RootElement.GetProperty("id").GetString() is { } added)
            {
                await http.DeleteAsync($"api/cameras/{Uri.EscapeDataString(added)}"); // keep the machine's load as it was
            }
        }
        Assert.Equal(3000, requests);
        Assert.True(bad.Count == 0, $"{bad.Count} unclear answers (seed {Seed + 2}):\n" + string.Join("\n", bad.Take(8)));

        // Still serving: ready, and camera a's results keep coming.
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("api/cameras/a/settings/segmentation", new StringContent("ON"))).StatusCode);
        var before = client.Messages.Count(m => m.Topic == "fz/a/segmentation");
        await client.WaitForAsync(m => m.Count(x => x.Topic == "fz/a/segmentation") > before + 3, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
        Assert.Contains(client.Messages, m => m.Topic.EndsWith("/error", StringComparison.Ordinal) && HasError(m.Text)); // refused commands were answered
        var unhandled = logs.Lines.Where(l => l.Exception is not null || l.Message.Contains("failed", StringComparison.OrdinalIgnoreCase) && l.Message.Contains("handling", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(unhandled.Count == 0, "unhandled: " + string.Join("\n", unhandled.Take(5).Select(l => $"{l.Category}: {l.Message} {l.Exception}")));
    }

    private static string Escape(string path)
        => string.Join('/', path.Split('?')[0].Split('/').Select(Uri.EscapeDataString)) + (path.Contains('?') ? "?" + Uri.EscapeDataString(path[(path.IndexOf('?') + 1)..]).Replace("%3D", "=", StringComparison.Ordinal).Replace("%26", "&", StringComparison.Ordinal) : "");

    private static bool HasError(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error) && error.GetString() is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
