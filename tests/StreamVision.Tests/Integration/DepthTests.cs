using System.Text.Json;
using OpenCvSharp;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.ModelGenerator;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Depth next to segmentation (the two-model case), with the generated ramp model whose
/// output is known, through the real broker.</summary>
[Trait("Category", "Integration")]
public sealed class DepthTests
{
    [Fact]
    public async Task Depth_statistics_thirds_and_the_16_bit_map_match_the_known_ramp_next_to_segmentation()
    {
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://p?fps=10&frames=40" } },
            Stages = { Depth = { Enabled = true } },
            Mqtt = { Port = port, Prefix = "d" },
            Http = { Enabled = false },
        };
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "d/#");
        await host.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        await capture.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        await host.DisposeAsync();

        var depth = capture.Messages.Where(m => m.Topic == "d/cam/depth").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var maps = capture.Messages.Where(m => m.Topic == "d/cam/depth/depth").ToDictionary(m => long.Parse(m.UserProperties["seq"]));
        var segmentation = capture.Messages.Where(m => m.Topic == "d/cam/segmentation").Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToHashSet();
        Assert.True(depth.Count >= 20, $"only {depth.Count} depth results");
        // The subscriber connects after the service starts, so the first frame's results may precede
        // it for one stage and not the other; the pairing is checked from the first seen frame on.

        const int w = ReferenceDepthModel.Width, h = ReferenceDepthModel.Height;
        var columns = Enumerable.Range(0, w).Select(ReferenceDepthModel.RampAt).ToList();
        var sorted = Enumerable.Range(0, h).SelectMany(_ => columns).Order().ToList();
        var median = (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        foreach (var d in depth)
        {
            Assert.Equal("reference_depth_ramp", d.GetProperty("model").GetString());
            Assert.Equal("relative_inverse_depth", d.GetProperty("unit").GetString());
            Assert.Equal(1.0, d.GetProperty("min").GetDouble(), 5);
            Assert.Equal(2.0, d.GetProperty("max").GetDouble(), 5);
            Assert.Equal(median, d.GetProperty("median").GetDouble(), 5);
            // Inverse depth: nearest = largest value; thirds split columns 0..60, 61..121, 122..181.
            var nearest = d.GetProperty("nearest");
            Assert.Equal(ReferenceDepthModel.RampAt(60), nearest.GetProperty("left").GetDouble(), 5);
            Assert.Equal(ReferenceDepthModel.RampAt(121), nearest.GetProperty("centre").GetDouble(), 5);
            Assert.Equal(2.0, nearest.GetProperty("right").GetDouble(), 5);

            var seq = d.GetProperty("seq").GetInt64();
            if (seq >= segmentation.Min())
            {
                Assert.Contains(seq, segmentation); // both models ran on the same frame
            }
            var map = d.GetProperty("map");
            using var png = Cv2.ImDecode(maps[seq].Payload, ImreadModes.Unchanged);
            Assert.Equal((w, h, MatType.CV_16UC1), (png.Width, png.Height, png.Type()));
            var scale = map.GetProperty("scale").GetDouble();
            var offset = map.GetProperty("offset").GetDouble();
            foreach (var x in new[] { 0, 45, 90, 181 })
            {
                Assert.Equal(ReferenceDepthModel.RampAt(x), png.At<ushort>(h / 2, x) * scale + offset, 4);
            }
        }
    }
}
