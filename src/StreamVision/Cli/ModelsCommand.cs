using System.CommandLine;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.ReferenceModels;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision models check|generate</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("models", "Inspect and generate models.");
        command.Subcommands.Add(Check(output, error));
        command.Subcommands.Add(Generate(output, error));
        return command;
    }

    private static Command Check(TextWriter output, TextWriter error)
    {
        var manifest = new Argument<string>("MANIFEST") { Description = "Path to a model manifest (.yaml) or a model id." };
        var search = new Option<string[]>("--search-path") { Description = "Extra folder to look for the model file in (repeatable)." };
        var command = new Command("check", "Load a model and check its ONNX graph against its manifest.") { manifest, search };
        command.SetAction((parse, _) => ErrorReporting.Guard(error, () =>
        {
            var cfg = ConfigLoader.Default();
            cfg.SourceName = "command line";
            cfg.Models.SearchPaths.AddRange(parse.GetValue(search) ?? []);
            using var model = ModelCatalog.LoadModel(parse.GetValue(manifest)!, cfg, "MANIFEST", 1);
            var m = model.Manifest;
            output.WriteLine($"model {m.Id} ({m.Task}) OK: {model.ModelPath}");
            output.WriteLine($"  input  '{m.Input.Name}' float32 [{string.Join(",", m.Input.Shape)}] {m.Input.Layout} {m.Input.ColorOrder} scale {m.Input.Scale} mean [{string.Join(",", m.Input.Mean)}] std [{string.Join(",", m.Input.Std)}]");
            output.WriteLine($"  output '{m.Output.Name}' float32 [{string.Join(",", m.Output.Shape)}] {m.Output.Layout} {m.Output.Meaning}");
            output.WriteLine($"  classes: {string.Join(", ", m.Classes.Select(c => c.Name))}");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Generate(TextWriter output, TextWriter error)
    {
        var outDir = new Option<string>("--out") { Description = "Folder to write the generated models into.", DefaultValueFactory = _ => "models" };
        var command = new Command("generate", "Write the deterministic reference models (built in C#) into a folder.") { outDir };
        command.SetAction((parse, _) => ErrorReporting.Guard(error, () =>
        {
            var path = ReferenceSegmentationModel.WriteTo(parse.GetValue(outDir)!);
            output.WriteLine($"wrote {path}");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
