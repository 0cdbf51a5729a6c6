using System.Net;
using System.Net.Http.Json;
using System.Text;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Host.Web;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The HTTP side against a hostile page and a hostile client: camera ids never become
/// markup, a Content-Security-Policy forbids inline script, a configured token is required (bearer,
/// or a one-time sign-in link for a browser), state-changing requests from another site are
/// refused, and questions are limited per client.</summary>
[Trait("Category", "Integration")]
public sealed class HttpSecurityTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static ServiceConfig Config(params string[] cameraIds) => new()
    {
        Cameras = cameraIds.Select(id => new CameraConfig { Id = id, Url = "synthetic://p?width=320&height=180&fps=10" }).ToList(),
        Mqtt = { Port = FreePort.Next(), Prefix = "sec" },
        Http = { Port = FreePort.Next() },
        SummaryIntervalSeconds = 0,
    };

    [Fact]
    public async Task Hostile_camera_ids_show_as_text_on_the_live_page_and_run_nothing()
    {
        string[] hostile = ["<img src=x onerror=document.body.dataset.pwned=1>", "<svg onload=document.body.dataset.pwned=2>\"'&amp;"];
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config(hostile), loggers, CancellationToken.None);
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(host.Http!.Address.ToString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((string?)await browser.EvaluateAsync("document.body.dataset.ready") != "1" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal("1", (string?)await browser.EvaluateAsync("document.body.dataset.ready")); // pictures of both cameras load through encoded URLs
        Assert.Equal(2, (int?)await browser.EvaluateAsync("document.querySelectorAll('.camera').length"));
        var shown = (string?)await browser.EvaluateAsync("[...document.querySelectorAll('.camera .id')].map(e => e.textContent).sort().join('\\n')");
        Assert.Equal(string.Join("\n", hostile.Order(StringComparer.Ordinal)), shown);
        Assert.Null((string?)await browser.EvaluateAsync("document.body.dataset.pwned ?? null"));
        Assert.Equal(0, (int?)await browser.EvaluateAsync("document.querySelectorAll('.camera img, .camera svg').length"));
    }

    [Fact]
    public async Task Every_response_carries_a_policy_that_forbids_inline_script()
    {
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config("a"), loggers, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        foreach (var path in new[] { "", "api/cameras", "live.js", "api/cameras/nope" })
        {
            using var response = await http.GetAsync(path);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", policy);
            Assert.DoesNotContain("unsafe-inline", policy);
            Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
        }
        var page = await http.GetStringAsync("");
        Assert.DoesNotMatch(@"<script[^>]*>\s*[^<\s]", page); // no inline script: it would not run under the policy
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", page);
    }

    [Fact]
    public async Task A_configured_token_is_required_and_a_browser_signs_in_once()
    {
        var config = Config("a");
        config.Http.Token = Token;
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        using var anonymous = new HttpClient { BaseAddress = host.Http!.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/cameras")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("healthz")).StatusCode); // probes stay open
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "api/cameras"))
        {
            wrong.Headers.Authorization = new("Bearer", Token[..^1] + "X");
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
        }
        using (var right = new HttpRequestMessage(HttpMethod.Get, "api/cameras"))
        {
            right.Headers.Authorization = new("Bearer", Token);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(right)).StatusCode);
        }

        var code = host.Services.GetService(typeof(HttpAccess)) is HttpAccess access ? access.LoginCode : null;
        Assert.NotNull(code);
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.Http.Address };
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("login?code=not-the-code")).StatusCode);
        var signIn = await browser.GetAsync($"login?code={code}");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/cameras")).StatusCode);
        using var other = new HttpClient { BaseAddress = host.Http.Address };
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"login?code={code}")).StatusCode); // one time only
    }

    [Fact]
    public async Task State_changing_requests_from_another_site_are_refused()
    {
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(Config("a"), loggers, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        var camera = """{"id": "evil", "url": "synthetic://p?width=64&height=64"}""";

        using (var fromEvil = new HttpRequestMessage(HttpMethod.Post, "api/cameras") { Content = new StringContent(camera, Encoding.UTF8, "application/json") })
        {
            fromEvil.Headers.Add("Origin", "http://evil.example");
            var refused = await http.SendAsync(fromEvil);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("cross-site", await refused.Content.ReadAsStringAsync());
        }
        using (var fetchSite = new HttpRequestMessage(HttpMethod.Put, "api/cameras/a/settings/segmentation") { Content = new StringContent("OFF") })
        {
            fetchSite.Headers.Add("Sec-Fetch-Site", "cross-site");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(fetchSite)).StatusCode);
        }
        Assert.False(host.HasCamera("evil"));
        Assert.True(host.Pipeline.IsStageEnabled("a", "segmentation"));

        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, "api/cameras") { Content = new StringContent(camera, Encoding.UTF8, "application/json") };
        sameOrigin.Headers.Add("Origin", host.Http.Address.GetLeftPart(UriPartial.Authority));
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(sameOrigin)).StatusCode);
    }

    [Fact]
    public async Task Questions_are_limited_per_client()
    {
        var config = Config("a");
        config.Http.AskPerMinute = 2;
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Http!.Address };
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await http.PostAsJsonAsync("api/cameras/a/ask", new { question = "what is there?" });
            statuses.Add(last.StatusCode);
        }
        // No VideoLLM runs here, so the first two are answered "not implemented"; the third is not even looked at.
        Assert.Equal([HttpStatusCode.NotImplemented, HttpStatusCode.NotImplemented, HttpStatusCode.TooManyRequests], statuses);
        Assert.Contains("http.ask_per_minute", await last!.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/cameras")).StatusCode); // other routes are not limited
    }
}
