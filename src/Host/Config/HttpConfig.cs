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

    /// <summary>The secret REST clients send as "Authorization: Bearer …"; required whenever
    /// <see cref="Bind"/> is not a loopback address. Give it in the environment
    /// (STREAMVISION__HTTP__TOKEN), not in the file. Empty: no token (loopback only).</summary>
    public string Token { get; set; } = "";

    /// <summary>Questions (POST …/ask) each client may ask per minute; more get 429.</summary>
    public int AskPerMinute { get; set; } = 30;

    /// <summary>Whether clients must prove who they are: beyond loopback always, on loopback when a token is set.</summary>
    public bool RequiresToken => Token.Length > 0 || !IsLoopback(Bind);

    public static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);
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
        if (http.Enabled && !HttpConfig.IsLoopback(http.Bind) && http.Token.Length == 0)
        {
            yield return ConfigProblem.Bad($"{key}.bind", http.Bind, $"REST and the live page control the service (add and remove cameras, change settings); beyond loopback they need a token: set {key}.token, best from the environment (STREAMVISION__HTTP__TOKEN=<a long random secret>), or bind 127.0.0.1.");
        }
        if (http.Token.Length is > 0 and < 16)
        {
            yield return ConfigProblem.Bad($"{key}.token", "(hidden)", "use at least 16 characters (e.g. the output of 'openssl rand -hex 24').");
        }
        if (http.AskPerMinute < 1)
        {
            yield return ConfigProblem.Bad($"{key}.ask_per_minute", http.AskPerMinute, "use a positive number of questions per minute and client.");
        }
        if (!(http.AskTimeoutSeconds > 0))
        {
            yield return ConfigProblem.Bad($"{key}.ask_timeout_seconds", http.AskTimeoutSeconds, "use a positive number of seconds to wait for an answer.");
        }
    }
}
