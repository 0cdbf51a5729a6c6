using StreamVision.Pipelines.Models;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>Batching across cameras: one run carrying several cameras' frames gives each camera
/// exactly what it would have got alone, state included.</summary>
public sealed class BatchingTests
{
    private static OnnxModel Load(string id, BatchOptions? batch = null, string? folder = null)
        => OnnxModel.Load(ManifestLoader.Load(Path.Combine(folder ?? SharedData.ProjectModels, $"{id}.yaml")), [SharedData.Models], 1, batch: batch);

    /// <summary>Fills every input of <paramref name="buffers"/> from a seed that differs per camera and step.</summary>
    private static void Fill(ModelBuffers buffers, int camera, int step)
    {
        var random = new Random(camera * 1000 + step);
        for (var i = 0; i < buffers.Input.Length; i++)
        {
            buffers.Input[i] = (float)random.NextDouble();
        }
        foreach (var role in new[] { "rotation", "translation", "new_trajectory", "intrinsics" })
        {
            if (buffers.PoseInput(role) is { } values)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = role == "new_trajectory" ? (step % 4 == 3 ? 1 : 0) : (float)random.NextDouble() * 10;
                }
            }
        }
    }

    /// <summary>Runs <paramref name="cameras"/> cameras for <paramref name="steps"/> frames each, all
    /// cameras concurrently (as their stage threads do), and returns every output per camera and step.</summary>
    private static float[][][] RunCameras(OnnxModel model, int cameras, int steps, Func<ModelBuffers, float[]> read)
    {
        var outputs = new float[cameras][][];
        var buffers = Enumerable.Range(0, cameras).Select(_ => model.CreateBuffers()).ToList();
        var threads = Enumerable.Range(0, cameras).Select(c => new Thread(() =>
        {
            outputs[c] = new float[steps][];
            for (var step = 0; step < steps; step++)
            {
                Fill(buffers[c], c, step);
                model.Run(buffers[c]);
                outputs[c][step] = (float[])read(buffers[c]).Clone();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        buffers.ForEach(b => b.Dispose());
        return outputs;
    }

    [Theory]
    [InlineData("reference_depth_counter")]
    [InlineData("reference_color_segmentation")]
    public void Batched_results_equal_per_frame_results(string id)
    {
        using var single = Load(id);
        using var batched = Load(id, new BatchOptions(3, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, single.MaxBatch);
        Assert.Equal(3, batched.MaxBatch);

        var expected = RunCameras(single, 3, 6, b => b.Output);
        var actual = RunCameras(batched, 3, 6, b => b.Output);

        for (var c = 0; c < 3; c++)
        {
            for (var step = 0; step < 6; step++)
            {
                Assert.Equal(expected[c][step], actual[c][step]);
            }
        }
        var (runs, frames) = batched.BatchCounts;
        Assert.Equal(18 + 3, frames); // plus the warm-up of the largest batch
        Assert.True(runs < frames, $"{frames} frames took {runs} runs: no batch carried more than one frame");
    }

    [Fact]
    public void Batching_carries_pose_inputs_and_state_per_camera()
    {
        using var single = Load("reference_semdepth");
        using var batched = Load("reference_semdepth", new BatchOptions(4, TimeSpan.FromMilliseconds(200)));
        var expected = RunCameras(single, 4, 8, b => b.OutputOf("depth"));
        var actual = RunCameras(batched, 4, 8, b => b.OutputOf("depth"));
        for (var c = 0; c < 4; c++)
        {
            for (var step = 0; step < 8; step++)
            {
                Assert.Equal(expected[c][step], actual[c][step]);
            }
        }
        // The per-camera inputs really differ, so a slot mix-up could not go unnoticed.
        Assert.NotEqual(expected[0][5][0], expected[1][5][0]);
    }

    [Fact]
    public void A_model_whose_graph_fixes_the_batch_at_one_runs_per_frame()
    {
        using var model = Load("selfie_segmentation", new BatchOptions(4, TimeSpan.FromMilliseconds(5)));
        Assert.Equal(1, model.MaxBatch);
        Assert.Contains("fixes the batch axis", model.BatchingRefused);
        var outputs = RunCameras(model, 2, 2, b => b.Output);
        Assert.Equal(2, outputs.Length);
    }

    [Fact]
    public void A_lone_camera_does_not_wait_for_the_deadline()
    {
        var deadline = TimeSpan.FromSeconds(60);
        using var batched = Load("reference_color_segmentation", new BatchOptions(8, deadline));
        using var buffers = batched.CreateBuffers();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            batched.Run(buffers);
        }
        // Every attached camera (one) is waiting, so each batch runs at once: waiting for the
        // deadline even once would take longer than all three runs may (no machine-speed bound).
        Assert.True(started.Elapsed < deadline, $"three runs took {started.Elapsed}");
    }
}
