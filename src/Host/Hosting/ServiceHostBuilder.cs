using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Web;

namespace StreamVision.Host.Hosting;

/// <summary>Builds the service's host: a <see cref="WebApplication"/> when HTTP is on, else a plain
/// Generic Host, with the service's parts (<see cref="ServiceComposition"/>) and logging.</summary>
internal static class ServiceHostBuilder
{
    public static IHost Build(ServiceConfig config, ILoggerFactory? loggers)
    {
        EnsureThreadPoolHeadroom();
        IHost host;
        if (config.Http.Enabled)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            Configure(web, config, loggers);
            web.AddHttp(config.Http); // after the service's parts: Kestrel starts last and stops first
            var app = web.Build();
            try
            {
                app.MapHttp();
            }
            catch
            {
                ((IDisposable)app).Dispose();
                throw;
            }
            host = app;
        }
        else
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            Configure(builder, config, loggers);
            host = builder.Build();
        }
        return host;
    }

    private static void Configure(IHostApplicationBuilder builder, ServiceConfig config, ILoggerFactory? loggers)
    {
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers); // owned by the caller, so not disposed by the host
        }
        else
        {
            Cli.Logging.Configure(builder.Logging, config.LogLevel, config.LogFormat);
        }
        // The service handles SIGTERM/SIGINT itself (Program, ShutdownSignals): the host must not hook them too.
        builder.Services.AddSingleton<IHostLifetime, ServiceOwnedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddStreamVision(config);
    }

    /// <summary>
    /// The thread pool starts with one thread per core and adds more only about twice a second. On
    /// a 2-core edge box a couple of briefly blocking calls in libraries (broker, clients, logging)
    /// then stall every async consumer — the result router among them — for half a second, which
    /// shows as a burst of stale frames. A modest floor keeps latency flat; threads beyond demand
    /// stay parked and cost nothing.
    /// </summary>
    private static void EnsureThreadPoolHeadroom()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var floor = Math.Max(16, Environment.ProcessorCount * 4);
        if (workers < floor)
        {
            ThreadPool.SetMinThreads(floor, Math.Max(io, floor));
        }
    }

    /// <summary>A host lifetime that leaves signals and shutdown to the service's caller.</summary>
    private sealed class ServiceOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
