using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using StreamVision.Host.Config;

namespace StreamVision.Host.Web;

/// <summary>
/// What every HTTP response and request goes through: a Content-Security-Policy that allows only
/// the service's own script, styles and images (so even a hostile camera id cannot run script on
/// the live page); state-changing requests from another site refused (the browser's Sec-Fetch-Site
/// or Origin says so); the token check of <see cref="HttpAccess"/>; and a per-client limit on
/// questions.
/// </summary>
public static class HttpSecurity
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public const string AskPolicy = "ask";

    public static void AddHttpSecurity(this IServiceCollection services, HttpConfig http)
    {
        services.AddSingleton(new HttpAccess(http));
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AskPolicy, context => RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = http.AskPerMinute,
                TokensPerPeriod = http.AskPerMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
            o.OnRejected = (rejected, token) =>
            {
                rejected.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                rejected.HttpContext.Response.Headers.RetryAfter = "60";
                return new ValueTask(rejected.HttpContext.Response.WriteAsJsonAsync(
                    new { error = $"more than {http.AskPerMinute} questions a minute from this client (http.ask_per_minute); ask again in a minute." }, token));
            };
        });
    }

    public static void UseHttpSecurity(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<HttpAccess>();
        // A status without a body (no such route, wrong method, a request the framework refused) still gets a clear message.
        app.UseStatusCodePages(context => context.HttpContext.Response.WriteAsJsonAsync(new
        {
            error = context.HttpContext.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"no route {context.HttpContext.Request.Path}; docs/REST.md lists the routes.",
                StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}; docs/REST.md lists each route's methods.",
                StatusCodes.Status400BadRequest => "the request could not be read (its path, query or body is malformed); docs/REST.md shows each route's form.",
                var other => $"HTTP {other}.",
            },
        }));
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (IsStateChanging(context.Request.Method) && CrossSite(context) is { } why)
            {
                await Refuse(context, StatusCodes.Status403Forbidden, $"cross-site request refused ({why}): change settings from this service's own page or from a non-browser client.").ConfigureAwait(false);
                return;
            }
            if (!access.Allows(context))
            {
                headers.WWWAuthenticate = "Bearer";
                await Refuse(context, StatusCodes.Status401Unauthorized, "this service needs its token: send 'Authorization: Bearer <http.token>', or open the one-time sign-in link the service printed at start in this browser.").ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.UseRateLimiter();
        app.MapGet(HttpAccess.LoginPath, (HttpContext context, string? code) =>
        {
            if (!access.TrySignIn(code, out var session))
            {
                return Microsoft.AspNetCore.Http.Results.Json(new { error = "this sign-in link is wrong or was used already; restart the service for a new one, or use the bearer token." }, statusCode: StatusCodes.Status403Forbidden);
            }
            context.Response.Cookies.Append(HttpAccess.SessionCookie, session, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            return Microsoft.AspNetCore.Http.Results.Redirect("/");
        });
    }

    private static bool IsStateChanging(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    /// <summary>Why a request comes from another site, or null. Browsers say where a request comes
    /// from; clients that are not browsers send neither header and are judged by the token alone.</summary>
    private static string? CrossSite(HttpContext context)
    {
        var site = context.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return $"Sec-Fetch-Site: {site}";
        }
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return $"Origin: {origin}";
        }
        return null;
    }

    /// <summary>The client a question is counted against: its session or token, else its address.</summary>
    private static string ClientOf(HttpContext context) =>
        context.Request.Cookies.TryGetValue(HttpAccess.SessionCookie, out var session) ? "session:" + session
        : context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? "token:" + auth.GetHashCode(StringComparison.Ordinal)
        : "ip:" + context.Connection.RemoteIpAddress;

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = message });
    }
}
