using System.Buffers.Binary;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.ModelGenerator;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class FlowTests
{
    private static async Task<List<MqttCapture.Received>> Run(FlowStageConfig flow, string url, bool realtime = false)
    {
        var port = FreePort.Next();
        flow.Enabled = true;
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = url, Realtime = realtime } },
            Stages = { Segmentation = { Enabled = false }, Flow = flow },
            Mqtt = { Port = port, Prefix = "f" },
            Http = { Enabled = false },
            Live = { Queue = 64 },
        };
        using var loggers = TestLogging.Quiet();
        var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "f/#");
        await host.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        await capture.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        await host.DisposeAsync();
        return capture.Messages.ToList();
    }

    [Fact]
    public async Task Onnx_flow_contract_with_a_known_shift_gives_exact_summary_and_float16_field()
    {
        // The subscriber connects after the service starts, so wait a moment into the stream.
        var messages = await Run(new FlowStageConfig { Engine = FlowEngine.Onnx, PublishImage = true }, "synthetic://p?width=640&height=360&fps=30&frames=60");

        var results = messages.Where(m => m.Topic == "f/cam/flow").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var fields = messages.Where(m => m.Topic == "f/cam/flow/field").ToDictionary(m => long.Parse(m.UserProperties["seq"]));
        Assert.Contains(messages, m => m.Topic == "f/cam/flow/image" && m.ContentType == "image/png");
        Assert.True(results.Count > 20, $"only {results.Count} results");
        const float sx = 640f / ReferenceFlowModel.Width, sy = 360f / ReferenceFlowModel.Height;
        foreach (var r in results.Where(r => r.GetProperty("has_previous").GetBoolean()))
        {
            var summary = r.GetProperty("summary");
            Assert.Equal(ReferenceFlowModel.Dx * sx, summary.GetProperty("mean_dx").GetDouble(), 3);
            Assert.Equal(ReferenceFlowModel.Uncertainty, summary.GetProperty("mean_uncertainty").GetDouble(), 6);
            Assert.Equal(ReferenceFlowModel.Dy * sy, summary.GetProperty("mean_dy").GetDouble(), 3);
            Assert.Equal(1.0, summary.GetProperty("moving_fraction").GetDouble());
            var expectedDirection = (Math.Atan2(ReferenceFlowModel.Dy * sy, ReferenceFlowModel.Dx * sx) * 180 / Math.PI + 360) % 360;
            Assert.Equal(expectedDirection, summary.GetProperty("dominant_direction_deg").GetDouble(), 1);
            Assert.Equal("onnx", r.GetProperty("engine").GetString());

            var field = fields[r.GetProperty("seq").GetInt64()].Payload;
            Assert.Equal(ReferenceFlowModel.Width * ReferenceFlowModel.Height * 2 * 2, field.Length);
            Assert.Equal(ReferenceFlowModel.Dx, (float)BinaryPrimitives.ReadHalfLittleEndian(field.AsSpan(0)));
            Assert.Equal(ReferenceFlowModel.Dy, (float)BinaryPrimitives.ReadHalfLittleEndian(field.AsSpan(field.Length - 2)));
        }
    }

    [Theory]
    [InlineData(FlowEngine.Dis, Pipelines.Flow.FlowPreset.Ultrafast)]
    [InlineData(FlowEngine.Dis, Pipelines.Flow.FlowPreset.Fast)]
    [InlineData(FlowEngine.Dis, Pipelines.Flow.FlowPreset.Medium)]
    [InlineData(FlowEngine.Farneback, Pipelines.Flow.FlowPreset.Fast)]
    public async Task Built_in_flow_sees_the_synthetic_disc_move_right_and_the_background_stand_still(FlowEngine engine, Pipelines.Flow.FlowPreset preset)
    {
        var messages = await Run(new FlowStageConfig { Engine = engine, Preset = preset, Width = 320 }, "synthetic://p?width=640&height=360&fps=30&frames=40", realtime: true);

        var results = messages.Where(m => m.Topic == "f/cam/flow").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var fields = messages.Where(m => m.Topic == "f/cam/flow/field").ToDictionary(m => long.Parse(m.UserProperties["seq"]));
        Assert.True(results.Count > 10, $"{results.Count} results: {string.Join(" ", messages.Select(m => m.Topic).Distinct())}");
        foreach (var r in results.Where(r => r.GetProperty("has_previous").GetBoolean()).Skip(2))
        {
            var seq = r.GetProperty("seq").GetInt64();
            var field = fields[seq].Payload;
            var f = r.GetProperty("field");
            int w = f.GetProperty("width").GetInt32(), h = f.GetProperty("height").GetInt32();
            var scale = f.GetProperty("scale_x").GetDouble();
            (double Dx, double Dy) At(int frameX, int frameY)
            {
                int x = (int)(frameX / scale), y = (int)(frameY / scale);
                var i = (y * w + x) * 2;
                return ((float)BinaryPrimitives.ReadHalfLittleEndian(field.AsSpan(2 * i)) * scale, (float)BinaryPrimitives.ReadHalfLittleEndian(field.AsSpan(2 * i + 2)) * scale);
            }
            // The disc's leading edge (right side) moves +4 frame pixels per frame to the right.
            var g = Ingest.Decoders.SyntheticPattern.At(seq - 1, 640, 360);
            var edge = At(g.DiscCentre.X + g.DiscRadius - 2, g.DiscCentre.Y);
            Assert.InRange(edge.Dx, 1.5, 6.5);
            // DIS at the ultrafast/fast presets works at 1/4 of the 320-pixel field (1/8 of the frame),
            // where a quarter-pixel error is two frame pixels.
            Assert.InRange(edge.Dy, -2.0, 2.0);
            // Plain grey background far from every shape does not move.
            var still = At(300, 330);
            Assert.InRange(Math.Abs(still.Dx) + Math.Abs(still.Dy), 0, 0.5);
            Assert.True(r.GetProperty("summary").GetProperty("moving_fraction").GetDouble() < 0.3, $"moving fraction {r.GetProperty("summary").GetProperty("moving_fraction").GetDouble()}");
        }
    }
}
