using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The live page in a real headless Chromium: cameras appear with their state and stats,
/// and the segmentation overlay is really drawn over the picture (checked on a screenshot).</summary>
[Trait("Category", "Integration")]
public sealed class LivePageTests
{
    [Fact]
    public async Task The_page_shows_each_camera_with_overlays_and_stats()
    {
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "yard", Url = "synthetic://p?width=640&height=360&fps=10" } },
            Stages = { Depth = { Enabled = true }, Flow = { Enabled = true, PublishImage = true }, VideoLlm = { Enabled = true, NarrationIntervalSeconds = 1, MaxTokens = 8 } },
            Mqtt = { Port = mqttPort },
            Http = { Port = httpPort },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(host.Http!.Address.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((string?)await browser.EvaluateAsync("document.body.dataset.ready") != "1" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal("1", (string?)await browser.EvaluateAsync("document.body.dataset.ready"));
        Assert.Equal(1, (int?)await browser.EvaluateAsync("document.querySelectorAll('.camera').length"));
        Assert.Equal("streaming", (string?)await browser.EvaluateAsync("document.querySelector('.camera .state').textContent"));
        var stats = (string?)await browser.EvaluateAsync("document.querySelector('.camera .stats').textContent");
        Assert.Contains("segmentation", stats);
        Assert.Contains("depth", stats);
        // Narration shows, and the ask box gets an answer from the VideoLLM with its latency.
        deadline = DateTime.UtcNow.AddSeconds(15);
        while (((string?)await browser.EvaluateAsync("document.querySelector('.camera .narration').textContent") ?? "").Contains("VideoLLM stage is not running") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.DoesNotContain("not running", (string?)await browser.EvaluateAsync("document.querySelector('.camera .narration').textContent"));
        await browser.EvaluateAsync("document.querySelector('.camera form.ask input').value = 'What is there?'; document.querySelector('.camera form.ask button').click(); 1");
        deadline = DateTime.UtcNow.AddSeconds(30);
        string answer;
        while (!System.Text.RegularExpressions.Regex.IsMatch(answer = (string?)await browser.EvaluateAsync("document.querySelector('.camera .answer').textContent") ?? "", @"\(\d+(\.\d+)? ms\)$") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Matches(@"\(\d+(\.\d+)? ms\)$", answer);

        using var shot = Cv2.ImDecode(await browser.ScreenshotAsync(), ImreadModes.Color);
        // The red disc (RGB 220, 30, 30) under the 'red' class overlay (magenta at 45 %) becomes
        // about RGB 236, 17, 131: plenty of such pixels mean the overlay is drawn where the disc is.
        var overlay = CountNear(shot, (236, 17, 131), 25);
        Assert.True(overlay > 3000, $"only {overlay} overlay pixels on the screenshot");
        // The depth inset is colour-mapped: its ramp spans blue to red.
        Assert.True(CountNear(shot, (0, 0, 255), 60) > 200, "no cold end of the depth colour map");
        Assert.True(CountNear(shot, (255, 0, 0), 60) > 200, "no warm end of the depth colour map");
    }

    private static unsafe int CountNear(Mat bgr, (int R, int G, int B) rgb, int tolerance)
    {
        var count = 0;
        int rows = bgr.Rows, cols = bgr.Cols;
        for (var y = 0; y < rows; y++)
        {
            var row = (byte*)bgr.Ptr(y);
            for (var x = 0; x < cols; x++)
            {
                var p = row + x * 3;
                if (Math.Abs(p[2] - rgb.R) <= tolerance && Math.Abs(p[1] - rgb.G) <= tolerance && Math.Abs(p[0] - rgb.B) <= tolerance)
                {
                    count++;
                }
            }
        }
        return count;
    }
}
