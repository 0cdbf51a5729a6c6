using System.Net;
using Microsoft.Extensions.Options;

namespace StreamVision.Host.Config;

/// <summary>The HTTP side: REST control, Prometheus metrics, health checks, the live page.</summary>
public sealed class HttpConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on. 127.0.0.1 keeps control on this machine.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 takes any free one, -1 turns HTTP off.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>How long POST /api/cameras/{id}/ask waits for the answer before replying 504.</summary>
    public double AskTimeoutSeconds { get; set; } = 120;
}

public sealed class HttpRules(ServiceConfig root) : SectionRules<HttpConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(HttpConfig http, string key)
    {
        if (http.Enabled && !IPAddress.TryParse(http.Bind, out _))
        {
            yield return ConfigProblem.Bad($"{key}.bind", http.Bind, "use an IP address: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).");
        }
        if (http.Port is < 0 or > 65535)
        {
            yield return ConfigProblem.Bad($"{key}.port", http.Port, "use a TCP port in 1..65535, 0 for any free port, or -1 to turn HTTP off.");
        }
        if (!(http.AskTimeoutSeconds > 0))
        {
            yield return ConfigProblem.Bad($"{key}.ask_timeout_seconds", http.AskTimeoutSeconds, "use a positive number of seconds to wait for an answer.");
        }
    }
}
