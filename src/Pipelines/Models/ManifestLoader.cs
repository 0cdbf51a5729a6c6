using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Body;

namespace StreamVision.Pipelines.Models;

/// <summary>Reads a manifest, checks that it is complete and self-consistent, and finds its model file.</summary>
public static class ManifestLoader
{
    public static ModelManifest Load(string manifestPath)
    {
        ReadAccess.CheckFile("manifest", manifestPath);
        var manifest = StrictYaml.Load<ModelManifest>(manifestPath);
        manifest.SourcePath = Path.GetFullPath(manifestPath);
        Validate(manifest);
        return manifest;
    }

    /// <summary>A manifest given as text (<paramref name="sourceName"/> in messages; relative file names
    /// resolve against the current folder).</summary>
    public static ModelManifest Parse(string text, string sourceName)
    {
        var manifest = StrictYaml.Parse<ModelManifest>(text, sourceName);
        manifest.SourcePath = Path.GetFullPath(sourceName);
        Validate(manifest);
        return manifest;
    }

    /// <summary>The model file: next to the manifest first, then in each search path in order.</summary>
    public static string ResolveModelFile(ModelManifest manifest, IEnumerable<string> searchPaths)
    {
        var tried = new List<string>();
        if (Path.IsPathRooted(manifest.File))
        {
            tried.Add(manifest.File);
        }
        else
        {
            var manifestDir = Path.GetDirectoryName(manifest.SourcePath) ?? ".";
            tried.Add(Path.Combine(manifestDir, manifest.File));
            tried.AddRange(searchPaths.Select(dir => Path.Combine(dir, manifest.File)));
        }
        foreach (var candidate in tried)
        {
            if (File.Exists(candidate))
            {
                ReadAccess.CheckFile($"model '{manifest.Id}': file", candidate);
                return Path.GetFullPath(candidate);
            }
        }
        var looked = tried.Select(Path.GetFullPath).Distinct().ToList();
        var unreadable = looked.Select(t => Path.GetDirectoryName(t)!).Distinct().Select(ReadAccess.FolderProblem).OfType<string>().ToList();
        var download = $"download it (see {manifest.Provenance.SourceUrl}) into one of those folders, or add its folder to models.search_paths.";
        throw new ConfigurationException(unreadable.Count > 0
            ? $"model '{manifest.Id}': file '{manifest.File}' not found in a folder the service can read (looked in: {string.Join(", ", looked)}): {string.Join(" ", unreadable)} If it is not there, {download}"
            : $"model '{manifest.Id}': file '{manifest.File}' not found (looked in: {string.Join(", ", looked)}). {char.ToUpperInvariant(download[0])}{download[1..]}");
    }

    private static readonly string[] Tasks = ["segmentation", "detection", "depth", "flow", "semdepth", "body", "videollm"];

    private static void Validate(ModelManifest m)
    {
        var where = $"manifest '{m.SourcePath}'";
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ConfigurationException($"{where}: {message}");
            }
        }
        Require(m.Id.Length > 0, "'id' is missing; give the model a stable name.");
        if (m.Task == "segmentation_depth")
        {
            m.Task = "semdepth"; // the task's name before 0.x: manifests written for it keep loading
        }
        Require(Tasks.Contains(m.Task), $"task '{m.Task}' is not supported by this build; use one of {string.Join(", ", Tasks.Select(t => $"'{t}'"))}.");
        Require(m.File.Length > 0, "'file' is missing; name the .onnx file.");
        if (m.Task == "videollm")
        {
            ValidateVideoLlm(m, Require);
            return;
        }
        Require(m.Input.Name.Length > 0, "'input.name' is missing; use the graph's input tensor name (streamvision models check prints it).");
        Require(m.Input.Shape.Count == 4 && m.Input.Shape.All(d => d > 0), $"'input.shape' must be four positive numbers (batch and three image axes), got [{string.Join(", ", m.Input.Shape)}].");
        Require(m.Input.Channels == 3, $"'input.shape' has {m.Input.Channels} colour channels for layout {m.Input.Layout}; a colour image needs 3. Check 'input.layout'.");
        Require(m.Input.Mean.Count == 3 && m.Input.Std.Count == 3, "'input.mean' and 'input.std' need three values each.");
        Require(m.Input.Std.All(s => s != 0), "'input.std' may not contain 0.");
        Require(m.Output.Name.Length > 0, "'output.name' is missing.");
        Require(m.Classes.All(c => c.Color.Count == 3), "every class 'color' needs three values (R, G, B).");
        Require(m.State.All(p => p.Input.Length > 0 && p.Output.Length > 0 && p.Shape.Count > 0 && p.Shape.All(d => d > 0)),
            "every 'state' pair needs 'input', 'output' and a positive 'shape'.");
        Require(m.Outputs.All(o => o.Role.Length > 0 && o.Name.Length > 0 && o.Shape.Count > 0 && o.Shape.All(d => d > 0)),
            "every entry of 'outputs' needs 'role', 'name' and a positive 'shape'.");
        Require(m.Outputs.Select(o => o.Role).Distinct().Count() == m.Outputs.Count, "two entries of 'outputs' have the same 'role'.");
        foreach (var (role, tensor) in m.PoseInputs?.Declared() ?? [])
        {
            Require(tensor.Name.Length > 0 && tensor.Shape.Count > 0 && tensor.Shape.All(d => d > 0), $"'pose_inputs.{role}' needs 'name' and a positive 'shape'.");
            var values = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            var want = role switch { "rotation" => 4, "translation" => 3, "new_trajectory" => 1, _ => 4 };
            Require(values == want, $"'pose_inputs.{role}' holds {values} values; it must hold {want} (shape e.g. [1, {want}]).");
        }
        switch (m.Task)
        {
            case "flow":
                Require(m.Input.PairName is { Length: > 0 }, "a flow model needs 'input.pair_name', the second image's tensor.");
                Require(m.Output.Meaning == OutputMeaning.OpticalFlow, "a flow model's 'output.meaning' must be optical_flow.");
                Require(m.Output.Shape.Count == 4 && m.Output.Shape[1] == 2 && m.Output.Shape.All(d => d > 0), $"'output.shape' must be [1, 2, H, W], got [{string.Join(", ", m.Output.Shape)}].");
                if (m.Outputs.FirstOrDefault(o => o.Role == "uncertainty") is { } uncertainty)
                {
                    Require(uncertainty.Shape.Count == 4 && uncertainty.Shape[2] == m.Output.Shape[2] && uncertainty.Shape[3] == m.Output.Shape[3],
                        $"'outputs[uncertainty].shape' must be [1, 1 or 2, {m.Output.Shape[2]}, {m.Output.Shape[3]}] like the flow, got [{string.Join(", ", uncertainty.Shape)}].");
                }
                break;
            case "depth":
                ValidateDepthHead(m.Output, "output", Require);
                break;
            case "detection":
                Require(m.Output.Meaning == OutputMeaning.YoloxGrid, "a detection model's 'output.meaning' must be yolox_grid.");
                Require(m.Output.Shape.Count == 3 && m.Output.Shape.All(d => d > 0), $"'output.shape' must be [1, anchors, 5 + classes], got [{string.Join(", ", m.Output.Shape)}].");
                Require(m.Classes.Count >= 1 && m.Output.Shape[2] == 5 + m.Classes.Count, $"output has {m.Output.Shape[2]} values per anchor; with {m.Classes.Count} classes it must be {5 + m.Classes.Count}.");
                Require(m.Output.Strides.Count > 0 && m.Output.Strides.All(s => s > 0), "'output.strides' must list the grid strides (e.g. [8, 16, 32]).");
                var anchors = m.Output.Strides.Sum(s => (long)(m.Input.Height / s) * (m.Input.Width / s));
                Require(anchors == m.Output.Shape[1], $"strides [{string.Join(", ", m.Output.Strides)}] over a {m.Input.Width}x{m.Input.Height} input give {anchors} anchors, the output has {m.Output.Shape[1]}.");
                break;
            case "segmentation":
                ValidateSegmentationHead(m, Require);
                break;
            case "semdepth":
                ValidateSegmentationHead(m, Require);
                var depth = m.Outputs.FirstOrDefault(o => o.Role == "depth");
                Require(depth is not null, "a semdepth model needs an entry with 'role: depth' in 'outputs' (the depth head).");
                ValidateDepthHead(depth!, "outputs[depth]", Require);
                break;
            case "body":
                BodyContract.Validate(m, Require);
                break;
        }
    }

    private static void ValidateVideoLlm(ModelManifest m, Action<bool, string> require)
    {
        var v = m.Videollm;
        require(v is not null, "a videollm model needs a 'videollm' section (vision_encoder, embed_tokens, decoder, tokenizer, tokens_per_frame).");
        require(v!.VisionEncoder.File.Length > 0 && v.VisionEncoder.Input.Name.Length > 0 && v.VisionEncoder.Output.Length > 0,
            "'videollm.vision_encoder' needs 'file', 'input' (name, shape, layout, normalisation) and 'output'.");
        require(v.VisionEncoder.Input.Shape.Count == 4 && v.VisionEncoder.Input.Channels == 3, "'videollm.vision_encoder.input.shape' must be an image: [1, 3, H, W] or [1, H, W, 3].");
        require(v.Projector is null || (v.Projector.File.Length > 0 && v.Projector.Input.Length > 0 && v.Projector.Output.Length > 0), "'videollm.projector' needs 'file', 'input' and 'output'.");
        require(v.EmbedTokens.Length > 0, "'videollm.embed_tokens' is missing; name the token-embedding .onnx file.");
        require(v.Decoder is { Layers: > 0, KvHeads: > 0, HeadDim: > 0, Hidden: > 0, Vocab: > 0 }, "'videollm.decoder' needs positive layers, kv_heads, head_dim, hidden and vocab.");
        require(v.Decoder.MaxPosition is null or > 0 && (v.Decoder.MaxPosition is null || v.Decoder.RopeTheta is > 0),
            "'videollm.decoder.max_position' must be positive and comes with 'rope_theta' (re-basing the cache rotates the cached keys; a model without RoPE cannot be re-based).");
        require(v.Decoder.HeadDim % 2 == 0 || v.Decoder.RopeTheta is null, "'videollm.decoder.rope_theta' needs an even head_dim (RoPE rotates channel pairs).");
        require(v.Tokenizer.Vocab.Length > 0 && v.Tokenizer.Merges.Length > 0, "'videollm.tokenizer' needs 'vocab' (vocab.json) and 'merges' (merges.txt).");
        require(v.Tokenizer.EndToken.Length > 0 && v.Tokenizer.SpecialTokens.Contains(v.Tokenizer.EndToken), "'videollm.tokenizer.end_token' must be one of its 'special_tokens'.");
        require(v.TokensPerFrame > 0, "'videollm.tokens_per_frame' must be positive (the projector's number of visual tokens).");
    }

    private static void ValidateDepthHead(OutputTensorSpec o, string key, Action<bool, string> require)
    {
        require(o.Meaning is OutputMeaning.RelativeInverseDepth or OutputMeaning.MetricDepth, $"'{key}.meaning' must be relative_inverse_depth or metric_depth.");
        var s = o.Shape;
        var oneChannel = s.Count == 3 || (s.Count == 4 && (o.Layout == TensorLayout.Nhwc ? s[3] == 1 : s[1] == 1));
        require(s.All(d => d > 0) && oneChannel,
            $"'{key}.shape' must be [1, H, W], [1, 1, H, W] (layout nchw) or [1, H, W, 1] (layout nhwc), got [{string.Join(", ", s)}] with layout {o.Layout.ToString().ToLowerInvariant()}.");
        require(o.DepthScale > 0, $"'{key}.depth_scale' must be positive.");
    }

    private static void ValidateSegmentationHead(ModelManifest m, Action<bool, string> require)
    {
        require(m.Output.Shape.Count == 4 && m.Output.Shape.All(d => d > 0), $"'output.shape' must be four positive numbers, got [{string.Join(", ", m.Output.Shape)}].");
        require(m.Classes.Count >= 2, "'classes' needs at least two entries (background first).");
        require(m.Output.Meaning is OutputMeaning.ClassScores or OutputMeaning.ForegroundProbability, "a segmentation head's 'output.meaning' must be class_scores or foreground_probability.");
        if (m.Output.Meaning == OutputMeaning.ForegroundProbability)
        {
            require(m.Output.Channels == 1, $"output meaning foreground_probability needs one channel, the shape has {m.Output.Channels}.");
            require(m.Classes.Count == 2, "output meaning foreground_probability needs exactly two classes (background, foreground).");
        }
        else
        {
            require(m.Output.Channels == m.Classes.Count, $"output has {m.Output.Channels} channels but {m.Classes.Count} classes are listed; they must match.");
            require(m.Classes.Count <= 256, "at most 256 classes fit in an 8-bit mask.");
        }
    }
}
