using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;

namespace StreamVision.Host.Benchmarks;

/// <summary>The live service as the benchmarks run it: in this process, its embedded broker on a
/// free loopback port, no HTTP, and a <see cref="FrameAgeProbe"/> subscribed to one stage's results.</summary>
public sealed class BenchService : IAsyncDisposable
{
    private BenchService(ServiceHost host, FrameAgeProbe probe)
    {
        Host = host;
        Probe = probe;
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
        config.Mqtt.Embedded.Enabled = true;
        config.Mqtt.Host = "127.0.0.1";
        config.Mqtt.Port = FreeLoopbackPort();
        config.Mqtt.Prefix = "bench";
        config.Http.Enabled = false;
        var host = await ServiceHost.StartAsync(config, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
        try
        {
            var probe = await FrameAgeProbe.ConnectAsync(config.Mqtt.Port, config.Mqtt.Prefix, stage, cancellationToken).ConfigureAwait(false);
            return new BenchService(host, probe);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
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
        await Probe.DisposeAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
    }
}
