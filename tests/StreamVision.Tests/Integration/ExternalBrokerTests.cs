using System.Text;
using System.Text.Json;
using MQTTnet;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The service against a real mosquitto (Debian's package) started by the test: an outage
/// with QoS 1 results queued and delivered, logins and an ACL on command topics, TLS with a private
/// CA and client certificates.</summary>
[Trait("Category", "Integration")]
public sealed class ExternalBrokerTests
{
    private static ServiceConfig External(int port, string? user = null, string? password = null) => new()
    {
        Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?width=160&height=96&fps=10" } },
        Stages = { Segmentation = { PublishMask = false } },
        Mqtt = { Port = port, Prefix = "sv", Username = user, Password = password, Embedded = { Enabled = false }, StatsIntervalSeconds = 0 },
        Http = { Enabled = false },
        SummaryIntervalSeconds = 0,
    };

    private static List<long> Seqs(MqttCapture capture) => capture.Messages.Where(m => m.Topic == "sv/cam/segmentation")
        .Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToList();

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Qos1_results_queued_during_a_30_second_broker_outage_all_arrive_in_order()
    {
        using var broker = MosquittoBroker.Start();
        // A subscriber with a persistent session: the broker keeps its subscription across the outage.
        await using var watcher = await MqttCapture.ConnectAsync(broker.Port, "sv/cam/segmentation", qos: 1,
            configure: b => b.WithClientId("outage-watcher").WithCleanStart(false).WithSessionExpiryInterval(600));
        await Task.Delay(1500); // mosquitto saves the session (autosave every second)
        var config = External(broker.Port);
        config.Mqtt.Qos.Results = 1;
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        try
        {
            await watcher.WaitForAsync(_ => Seqs(watcher).Count >= 20, TimeSpan.FromSeconds(10));

            broker.Kill();
            await Task.Delay(2000);
            Assert.False(host.Publisher.IsConnected, "the service must not claim a connection to a dead broker");
            await Task.Delay(int.Parse(Environment.GetEnvironmentVariable("SV_OUTAGE_MS") ?? "28000"));
            Assert.False(host.Publisher.IsConnected);
            var queued = host.Publisher.QueueDepth;
            Assert.InRange(queued, Environment.GetEnvironmentVariable("SV_OUTAGE_MS") is null ? 250 : 20, 1024); // ~30 s at 10 fps, all inside the bound

            broker.Start();
            await watcher.ReconnectAsync(TimeSpan.FromSeconds(10));
            await watcher.WaitForAsync(_ => host.Publisher.IsConnected && host.Publisher.QueueDepth == 0, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await host.DisposeAsync();
        }
        await watcher.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));

        var seqs = Seqs(watcher);
        var written = host.Router.Written("cam");
        Assert.Equal(0, host.Publisher.Stats.DroppedReliable);
        // Every result the service handed to MQTT arrived; QoS 1 is at-least-once, so a message in
        // flight when the broker died may come twice, never missing.
        Assert.True(written == seqs.Distinct().Count(), $"written {written}, received {seqs.Distinct().Count()} (last {seqs.LastOrDefault()}), watcher connected {watcher.IsConnected}, published {host.Publisher.Stats.Published}, connects {host.Publisher.Stats.Connects}, failed {host.Publisher.Stats.Failed}");
        var distinct = seqs.Distinct().ToList();
        Assert.True(distinct.Zip(distinct.Skip(1)).All(p => p.Second > p.First), "results must arrive in order per topic");
        Assert.True(seqs.Count - distinct.Count <= 2, $"{seqs.Count - distinct.Count} duplicates");
    }

    [Fact]
    public async Task Logins_and_an_acl_decide_who_may_command_and_a_refused_login_is_not_reported_as_connected()
    {
        var users = new Dictionary<string, string> { ["service"] = "s3rvice", ["viewer"] = "v1ew", ["pilot"] = "p1lot" };
        const string acl = "user service\ntopic readwrite sv/#\n\nuser viewer\ntopic read sv/#\n\nuser pilot\ntopic read sv/#\ntopic write sv/+/+/set\n";
        using var broker = MosquittoBroker.Start(users, acl);
        using var loggers = TestLogging.Quiet();

        // Wrong password: the service starts anyway, keeps retrying, and never says it is connected.
        await using (var refused = await ServiceHost.StartAsync(External(broker.Port, "service", "wrong"), loggers, CancellationToken.None))
        {
            await Task.Delay(1500);
            Assert.False(refused.Publisher.IsConnected);
            Assert.Equal(0, refused.Publisher.Stats.Connects);
        }

        await using var host = await ServiceHost.StartAsync(External(broker.Port, "service", "s3rvice"), loggers, CancellationToken.None);
        await using var viewer = await MqttCapture.ConnectAsync(broker.Port, "sv/#", username: "viewer", password: "v1ew");
        await viewer.WaitForAsync(_ => Seqs(viewer).Count >= 3, TimeSpan.FromSeconds(10));
        Assert.True(Seqs(viewer).Count >= 3);

        var denied = await viewer.PublishAsync("sv/cam/segmentation/set", Encoding.UTF8.GetBytes("OFF"));
        Assert.False(denied.IsSuccess, "mosquitto refuses a publish the ACL does not allow");
        await Task.Delay(500);
        Assert.True(host.Pipeline.IsStageEnabled("cam", "segmentation"));

        await using var pilot = await MqttCapture.ConnectAsync(broker.Port, "sv/cam/#", username: "pilot", password: "p1lot");
        await pilot.PublishAsync("sv/cam/segmentation/set", Encoding.UTF8.GetBytes("OFF"));
        await viewer.WaitForAsync(m => m.Any(x => x.Topic == "sv/cam/segmentation/state" && x.Text == "OFF"), TimeSpan.FromSeconds(5));
        Assert.False(host.Pipeline.IsStageEnabled("cam", "segmentation"));
    }

    [Fact]
    public async Task Tls_with_a_private_ca_and_a_client_certificate()
    {
        using var broker = MosquittoBroker.Start(tls: true);
        var certs = broker.Certificates!;
        await using var watcher = await MqttCapture.ConnectAsync(broker.Port, "sv/#");
        using var loggers = TestLogging.Quiet();

        var config = External(broker.TlsPort);
        config.Mqtt.Tls = new MqttTlsConfig { CaFile = certs.CaFile, CertFile = certs.ClientCertFile, KeyFile = certs.ClientKeyFile };
        await using (var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None))
        {
            await watcher.WaitForAsync(_ => Seqs(watcher).Count >= 3, TimeSpan.FromSeconds(10));
            Assert.True(host.Publisher.IsConnected);
            Assert.True(Seqs(watcher).Count >= 3);
        }

        // A broker certificate from another CA is refused: the service never connects.
        var wrongCa = External(broker.TlsPort);
        wrongCa.Mqtt.Tls = new MqttTlsConfig { CaFile = certs.OtherCaFile, CertFile = certs.ClientCertFile, KeyFile = certs.ClientKeyFile };
        await using (var host = await ServiceHost.StartAsync(wrongCa, loggers, CancellationToken.None))
        {
            await Task.Delay(1500);
            Assert.False(host.Publisher.IsConnected);
        }

        // No client certificate: the broker requires one.
        var noClientCert = External(broker.TlsPort);
        noClientCert.Mqtt.Tls = new MqttTlsConfig { CaFile = certs.CaFile };
        await using (var host = await ServiceHost.StartAsync(noClientCert, loggers, CancellationToken.None))
        {
            await Task.Delay(1500);
            Assert.False(host.Publisher.IsConnected);
        }
    }
}
