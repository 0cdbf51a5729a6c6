using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Benchmarks;

/// <summary>The live service as the benchmarks run it: in this process, no HTTP, publishing to a
/// broker of the benchmark's own on a free loopback port, with a <see cref="FrameAgeProbe"/>
/// subscribed to one stage's results before the service starts (a result published before the
/// subscription would be missing from every count).</summary>
public sealed class BenchService : IAsyncDisposable
{
    private readonly EmbeddedBroker _broker;

    private BenchService(ServiceHost host, FrameAgeProbe probe, EmbeddedBroker broker)
    {
        Host = host;
        Probe = probe;
        _broker = broker;
    }

    public ServiceHost Host { get; }
    public FrameAgeProbe Probe { get; }

    public int BrokerPort => Host.Config.Mqtt.Port;

    public string Prefix => Host.Config.Mqtt.Prefix;

    /// <summary>Waits until no result has arrived for <paramref name="quiet"/> (the last ones are in).</summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        var count = -1;
        while (Probe.Count != count)
        {
            count = Probe.Count;
            await Task.Delay(quiet, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<BenchService> StartAsync(ServiceConfig config, string stage, CancellationToken cancellationToken)
    {
        var broker = await EmbeddedBroker.StartAsync("127.0.0.1", FreeLoopbackPort()).ConfigureAwait(false);
        FrameAgeProbe? probe = null;
        try
        {
            config.Mqtt.Embedded.Enabled = false;
            config.Mqtt.Host = "127.0.0.1";
            config.Mqtt.Port = broker.Port;
            config.Mqtt.Prefix = "bench";
            config.Http.Enabled = false;
            probe = await FrameAgeProbe.ConnectAsync(broker.Port, config.Mqtt.Prefix, stage, cancellationToken).ConfigureAwait(false);
            var host = await ServiceHost.StartAsync(config, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            return new BenchService(host, probe, broker);
        }
        catch
        {
            if (probe is not null)
            {
                await probe.DisposeAsync().ConfigureAwait(false);
            }
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs until the cameras end or <paramref name="duration"/> passes, whichever is first.</summary>
    public async Task RunForAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            await Host.Completion.WaitAsync(duration, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync().ConfigureAwait(false);
        await Probe.DisposeAsync().ConfigureAwait(false);
        await _broker.DisposeAsync().ConfigureAwait(false);
    }
}
