using StreamVision.ModelGenerator;

// streamvision-models-generate [--out FOLDER]: writes every reference model (default: models/).
var outDir = "models";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length)
    {
        outDir = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"streamvision-models-generate: unknown argument '{args[i]}'. Usage: streamvision-models-generate [--out FOLDER] (default: models).");
        return 2;
    }
}
foreach (var path in ReferenceModelSet.WriteAll(outDir))
{
    Console.WriteLine($"wrote {path}");
}
return 0;
