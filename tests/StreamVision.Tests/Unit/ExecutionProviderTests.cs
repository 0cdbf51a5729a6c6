using Microsoft.ML.OnnxRuntime;
using StreamVision.Pipelines.Models;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

public class ExecutionProviderTests
{
    [Fact]
    public void Asking_for_cuda_on_a_machine_without_it_falls_back_to_cpu_and_says_why()
    {
        using var options = new SessionOptions();
        var choice = ExecutionProviderSelector.Configure(options, [ExecutionProvider.Cuda, ExecutionProvider.Cpu]);

        Assert.Equal(ExecutionProvider.Cpu, choice.Active);
        Assert.StartsWith("Cuda:", Assert.Single(choice.Fallbacks));
    }

    [Fact]
    public void The_first_provider_that_loads_wins_and_earlier_failures_are_recorded()
    {
        using var options = new SessionOptions();
        var appended = new List<ExecutionProvider>();
        void GpuMachineWithoutTensorRt(SessionOptions _, ExecutionProvider p, GpuSettings gpu)
        {
            if (p == ExecutionProvider.Tensorrt)
            {
                throw new DllNotFoundException("libnvinfer.so not found");
            }
            appended.Add(p);
        }

        var choice = ExecutionProviderSelector.Configure(options, [ExecutionProvider.Tensorrt, ExecutionProvider.Cuda, ExecutionProvider.Cpu], null, GpuMachineWithoutTensorRt);

        Assert.Equal(ExecutionProvider.Cuda, choice.Active);
        Assert.Equal([ExecutionProvider.Cuda], appended);
        Assert.Contains("libnvinfer.so not found", Assert.Single(choice.Fallbacks));
    }

    [Fact]
    public void With_nothing_available_the_cpu_is_the_last_resort_even_if_not_listed()
    {
        using var options = new SessionOptions();
        var choice = ExecutionProviderSelector.Configure(options, [ExecutionProvider.Tensorrt], null, (_, _, _) => throw new DllNotFoundException("no GPU"));
        Assert.Equal(ExecutionProvider.Cpu, choice.Active);
    }

    [Fact]
    public void A_model_configured_for_cuda_still_loads_and_runs_on_this_cpu_only_machine()
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_color_segmentation.yaml"));
        using var model = OnnxModel.Load(manifest, [], 1, [ExecutionProvider.Cuda, ExecutionProvider.Cpu]);
        Assert.Equal(ExecutionProvider.Cpu, model.Provider.Active);
        using var buffers = model.CreateBuffers();
        model.Run(buffers);
        Assert.Equal(1f, buffers.Output[0]); // black input: background scores its bias
    }
}
