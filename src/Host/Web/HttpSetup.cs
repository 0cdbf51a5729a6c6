using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;

namespace StreamVision.Host.Web;

/// <summary>
/// The service's HTTP side (http.enabled), on 127.0.0.1 by default: Prometheus metrics (/metrics,
/// from the service's meter), health through the host's health checks (/healthz: the process
/// serves; /readyz: MQTT connected and a camera streaming), the live page and REST under /api
/// (<see cref="HttpRoutes"/>; docs/REST.md lists the routes).
/// </summary>
public static class HttpSetup
{
    private const string Ready = "ready";

    public static void AddHttp(this WebApplicationBuilder builder, HttpConfig http)
    {
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(http.Bind), http.Port));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddHealthChecks()
            .AddCheck<MqttConnectedCheck>("mqtt", tags: [Ready])
            .AddCheck<CameraStreamingCheck>("cameras", tags: [Ready]);
        builder.Services.AddSingleton<MetricsExport>();
        builder.Services.AddHttpSecurity(http);
    }

    public static void MapHttp(this WebApplication app)
    {
        app.UseHttpSecurity();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<MetricsExport>().Registry);
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false, // liveness: answering at all is the check
            ResponseWriter = (context, _) => context.Response.WriteAsJsonAsync(new { status = "ok" }),
        });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = (context, report) => report.Status == HealthStatus.Healthy
                ? context.Response.WriteAsJsonAsync(new { status = "ready" })
                : context.Response.WriteAsJsonAsync(new { status = "not ready", reasons = report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description) }),
        });
        HttpRoutes.Map(app);
    }

    /// <summary>Where HTTP listens once started, e.g. http://127.0.0.1:8080/.</summary>
    public static Uri Address(IServiceProvider services, HttpConfig http)
    {
        var bound = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{http.Bind}:{http.Port}";
        return new Uri(bound.EndsWith('/') ? bound : bound + "/");
    }

    /// <summary>The service's meter exported in Prometheus' format, on a registry of its own.</summary>
    public sealed class MetricsExport : IDisposable
    {
        private readonly IDisposable _adapter;

        public MetricsExport(ServiceMetrics metrics)
        {
            Registry = Prometheus.Metrics.NewCustomRegistry();
            _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = Registry,
                MetricFactory = Prometheus.Metrics.WithCustomRegistry(Registry),
                InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter, metrics.Meter),
                ResolveHistogramBuckets = _ => [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
            });
        }

        public CollectorRegistry Registry { get; }

        public void Dispose() => _adapter.Dispose();
    }
}
