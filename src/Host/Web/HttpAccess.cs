using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using StreamVision.Host.Config;

namespace StreamVision.Host.Web;

/// <summary>
/// Who may use REST and the live page when a token is required (<see cref="HttpConfig.RequiresToken"/>):
/// API clients send the configured token as "Authorization: Bearer …"; a browser signs in once
/// through a one-time link (<see cref="LoginPath"/>?code=…, printed at start), which sets an
/// HttpOnly, SameSite=Strict session cookie. Health probes stay open.
/// </summary>
public sealed class HttpAccess(HttpConfig http)
{
    public const string LoginPath = "/login";
    public const string SessionCookie = "sv_session";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(http.Token);
    private readonly ConcurrentDictionary<string, bool> _sessions = new();
    private string? _loginCode = http.RequiresToken ? NewSecret() : null;

    public bool Required => http.RequiresToken;

    /// <summary>The one-time sign-in code (null once used, or when no token is required).</summary>
    public string? LoginCode => Volatile.Read(ref _loginCode);

    public static bool IsOpen(PathString path) => path == "/healthz" || path == "/readyz" || path == LoginPath;

    public bool Allows(HttpContext context)
    {
        if (!Required || IsOpen(context.Request.Path))
        {
            return true;
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (_token.Length > 0 && header.StartsWith("Bearer ", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), _token))
        {
            return true;
        }
        return context.Request.Cookies.TryGetValue(SessionCookie, out var session) && _sessions.ContainsKey(session);
    }

    /// <summary>Trades the one-time code for a session; false when the code is wrong or was used.</summary>
    public bool TrySignIn(string? code, out string session)
    {
        session = "";
        var expected = LoginCode;
        if (expected is null || code is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(code), Encoding.UTF8.GetBytes(expected))
            || Interlocked.CompareExchange(ref _loginCode, null, expected) != expected)
        {
            return false;
        }
        session = NewSecret();
        _sessions[session] = true;
        return true;
    }

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
