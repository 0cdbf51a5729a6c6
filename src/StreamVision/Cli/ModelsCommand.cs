using System.CommandLine;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.ReferenceModels;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision models check|generate|pull|list</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("models", "Inspect and generate models.");
        command.Subcommands.Add(Check(output, error));
        command.Subcommands.Add(Generate(output, error));
        command.Subcommands.Add(Pull(output, error));
        command.Subcommands.Add(List(output, error));
        return command;
    }

    private static Command Pull(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "Model id (streamvision models list) or manifest path." };
        var dir = new Option<string?>("--dir") { Description = $"Folder to install into (default {ModelCatalog.UserDirectory})." };
        var mirror = new Option<string?>("--mirror") { Description = "Base URL to download from instead of the manifest's source URL." };
        var trust = new Option<bool>("--trust-first-download") { Description = "For files whose manifest has no SHA-256: accept what the source serves now and pin its SHA-256 (<dir>/<id>.sha256) for every later pull." };
        var command = new Command("pull", "Download a model (resuming a partial download), verify its SHA-256, install it.") { name, dir, mirror, trust };
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var cfg = ConfigLoader.Default();
            cfg.SourceName = "command line";
            var manifest = ModelCatalog.LoadManifest(parse.GetValue(name)!, cfg, "NAME");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            var lastReport = DateTime.MinValue;
            var directory = parse.GetValue(dir) ?? ModelCatalog.UserDirectory;
            var results = await new ModelDownloader(http, parse.GetValue(trust)).PullAllAsync(manifest, directory, parse.GetValue(mirror), (done, total) =>
            {
                if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(1))
                {
                    lastReport = DateTime.UtcNow;
                    output.WriteLine(total is { } t ? $"  {done:N0} of {t:N0} bytes" : $"  {done:N0} bytes");
                }
            }, ct).ConfigureAwait(false);
            foreach (var result in results)
            {
                output.WriteLine(result.AlreadyInstalled
                    ? $"model {manifest.Id}: already installed and verified at {result.Path}"
                    : result.PinnedSha256 is { } pinned
                        ? $"model {manifest.Id}: installed {result.Path} ({result.Bytes:N0} bytes); the manifest has no SHA-256 for it, so it is pinned at first download: {pinned} (in {ModelPins.PathOf(directory, manifest.Id)}; add it to the manifest to share it)"
                        : $"model {manifest.Id}: installed {result.Path} ({result.Bytes:N0} bytes{(result.ResumedFrom > 0 ? $", resumed at {result.ResumedFrom:N0}" : "")}), SHA-256 verified");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var config = new Option<string?>("--config") { Description = "Config file, to show which stage uses which model." };
        var command = new Command("list", "Known models, whether they are installed, and which stage uses them.") { config };
        command.SetAction((parse, _) => ErrorReporting.Guard(error, () =>
        {
            var cfg = ConfigLoader.Load(parse.GetValue(config), requireCameras: false);
            var users = ConfigLoader.OnnxStages(cfg.Stages)
                .Where(s => s.Stage.Enabled && (s.Stage is not FlowStageConfig flow || flow.Engine == FlowEngine.Onnx))
                .ToLookup(s => Path.GetFileNameWithoutExtension(s.Stage.Model), s => $"stages.{s.Name}");
            output.WriteLine("| id | task | installed | used by | licence | source |");
            output.WriteLine("|---|---|---|---|---|---|");
            var broken = new List<string>();
            foreach (var m in ModelCatalog.AllManifests(cfg, broken))
            {
                var file = ModelCatalog.InstalledFile(m, cfg);
                output.WriteLine($"| {m.Id} | {m.Task} | {file ?? "no (streamvision models pull " + m.Id + ")"} | {string.Join(", ", users[m.Id])} | {m.Provenance.License} | {m.Provenance.SourceUrl} |");
            }
            foreach (var problem in broken)
            {
                error.WriteLine($"streamvision: skipped a manifest: {problem}");
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
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
            foreach (var extra in m.Outputs)
            {
                output.WriteLine($"  output '{extra.Name}' float32 [{string.Join(",", extra.Shape)}] role {extra.Role}");
            }
            foreach (var (role, tensor) in m.PoseInputs?.Declared() ?? [])
            {
                output.WriteLine($"  input  '{tensor.Name}' float32 [{string.Join(",", tensor.Shape)}] pose {role}");
            }
            foreach (var state in m.State)
            {
                output.WriteLine($"  state  '{state.Input}' <- '{state.Output}' float32 [{string.Join(",", state.Shape)}]");
            }
            if (m.Classes.Count > 0)
            {
                output.WriteLine($"  classes: {string.Join(", ", m.Classes.Select(c => c.Name))}");
            }
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
            foreach (var path in ReferenceModelSet.WriteAll(parse.GetValue(outDir)!))
            {
                output.WriteLine($"wrote {path}");
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
