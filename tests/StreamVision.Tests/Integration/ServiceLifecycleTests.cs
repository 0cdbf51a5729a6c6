using System.Net;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The service on the Generic Host starts its parts in the stated order (docs/ARCHITECTURE.md),
/// stops them in reverse, each once, and HTTP serves only while everything behind it runs.</summary>
[Trait("Category", "Integration")]
public sealed class ServiceLifecycleTests
{
    private static readonly string[] Order = ["LiveCameras", "EmbeddedBrokerService", "ControlService", "HomeAssistantDiscovery", "EventClips", "MqttConnectionService", "PipelineService"];

    private static ServiceConfig Config(int mqttPort, int httpPort) => new()
    {
        Cameras = { new CameraConfig { Id = "a", Url = "synthetic://p?width=320&height=180&fps=20" } },
        Mqtt = { Port = mqttPort, Prefix = "life" },
        Http = { Port = httpPort },
        SummaryIntervalSeconds = 0,
    };

    [Fact]
    public async Task Parts_start_in_the_stated_order_and_stop_in_reverse_each_once()
    {
        using var logs = new CapturedLogs();
        var host = await ServiceHost.StartAsync(Config(FreePort.Next(), FreePort.Next()), logs.Factory, CancellationToken.None);
        using (var http = new HttpClient { BaseAddress = host.Http!.Address })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        }
        var started = logs.Of(ServiceComposition.LifecycleCategory).ToList();
        Assert.Equal(Order.SelectMany(s => new[] { $"starting {s}", $"started {s}" }), started);

        await host.StopAsync();
        await host.DisposeAsync();
        await host.DisposeAsync(); // a second disposal does nothing
        var stopped = logs.Of(ServiceComposition.LifecycleCategory).Skip(started.Count).ToList();
        Assert.Equal(Order.Reverse().SelectMany(s => new[] { $"stopping {s}", $"stopped {s}" }), stopped);

        // HTTP listened only after the last part had started and stopped before the first part stopped.
        var lines = logs.Lines.Select(l => l.Message).ToList();
        var listening = lines.FindIndex(m => m.StartsWith("Now listening on", StringComparison.Ordinal));
        Assert.True(listening > lines.IndexOf("started PipelineService"), "HTTP must listen after the pipeline started");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => probe.GetAsync(new Uri(host.Http.Address, "healthz")));
    }

    [Fact]
    public async Task A_failed_start_stops_what_started_once_and_leaves_no_port_taken()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, httpPort);
        squatter.Start();
        using var logs = new CapturedLogs();
        await Assert.ThrowsAsync<StreamVision.Pipelines.Configuration.ConfigurationException>(() => ServiceHost.StartAsync(Config(mqttPort, httpPort), logs.Factory, CancellationToken.None));
        var lifecycle = logs.Of(ServiceComposition.LifecycleCategory).ToList();
        Assert.Equal(Order.Select(s => $"started {s}"), lifecycle.Where(l => l.StartsWith("started ", StringComparison.Ordinal)));
        Assert.Equal(Order.Reverse().Select(s => $"stopped {s}"), lifecycle.Where(l => l.StartsWith("stopped ", StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains("dispos", StringComparison.OrdinalIgnoreCase));
        // The broker's port is free again: a listener can take it.
        using var reuse = new System.Net.Sockets.TcpListener(IPAddress.Loopback, mqttPort);
        reuse.Start();
        reuse.Stop();
    }
}
