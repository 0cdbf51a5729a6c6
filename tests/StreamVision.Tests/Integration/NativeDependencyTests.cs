using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>
/// The native libraries the service ships (OpenCV's, ONNX Runtime's) link against Debian shared
/// libraries. Every one of them must come from a minimal Debian or from a package the setup script
/// and the Dockerfiles install, or a newcomer's first run dies; and when one is missing anyway, the
/// service says which, from which package, and how to install it.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class NativeDependencyTests
{
    private static readonly string NativeDir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    private static IEnumerable<string> NativeLibraries() => Directory.GetFiles(NativeDir, "*.so*");

    public static TheoryData<string> InstallLists() => new() { "scripts/setup.sh", "docker/Dockerfile.cpu", "docker/Dockerfile.cuda" };

    [Theory]
    [MemberData(nameof(InstallLists))]
    public void Every_library_the_native_parts_need_is_in_the_base_system_or_a_package_the_file_installs(string file)
    {
        var installs = PackagesInstalledBy(file);
        Assert.Contains("libgtk-3-0", installs);
        var available = DependencyClosure(BaseSystem().Concat(installs));

        var missing = new List<string>();
        foreach (var library in NativeLibraries())
        {
            foreach (var (soname, path) in Ldd(library))
            {
                if (path is null)
                {
                    missing.Add($"{Path.GetFileName(library)} needs {soname}, which this machine lacks");
                    continue;
                }
                var package = OwningPackage(path);
                if (package is null || !available.Contains(package))
                {
                    missing.Add($"{Path.GetFileName(library)} needs {soname} from package '{package ?? "?"}', neither in a minimal Debian nor installed by {file}");
                }
            }
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void The_package_table_names_the_right_package_for_every_library_the_native_parts_need()
    {
        // The message a user sees for a missing library comes from this table.
        var wrong = new List<string>();
        foreach (var library in NativeDependencies.Libraries.Select(name => Path.Combine(NativeDir, name)))
        {
            foreach (var (soname, path) in Ldd(library))
            {
                var actual = path is null ? null : OwningPackage(path);
                if (!NativeDependencies.DebianPackages.TryGetValue(soname, out var listed) || (actual is not null && listed != actual))
                {
                    wrong.Add($"{soname}: table says '{listed ?? "nothing"}', dpkg says '{actual}'");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Missing_libraries_are_named_with_their_packages_and_the_install_command()
    {
        var message = NativeDependencies.Describe("libOpenCvSharpExtern.so", ["libgtk-3.so.0", "libgdk-3.so.0", "libatomic.so.1"]);

        Assert.Contains("libgtk-3.so.0, libgdk-3.so.0, libatomic.so.1", message);
        Assert.Contains("needed by libOpenCvSharpExtern.so", message);
        Assert.Contains("sudo apt-get install libgtk-3-0 libatomic1", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public async Task A_library_missing_at_start_is_one_line_and_exit_code_2_not_a_stack_trace()
    {
        // A copy of the application whose ONNX Runtime needs a library no machine has (its
        // DT_NEEDED entry renamed in place): the start check must catch it before any command runs.
        using var app = new TempDir();
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("streamvision", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(app.Path, name)); // copied: the host resolves the app's own path
            }
            else
            {
                File.CreateSymbolicLink(Path.Combine(app.Path, name), file);
            }
        }
        Directory.CreateSymbolicLink(Path.Combine(app.Path, "models"), Path.Combine(AppContext.BaseDirectory, "models"));
        var native = Directory.CreateDirectory(Path.Combine(app.Path, "runtimes", "linux-x64", "native")).FullName;
        foreach (var library in NativeLibraries())
        {
            File.CreateSymbolicLink(Path.Combine(native, Path.GetFileName(library)), library);
        }
        var onnxRuntime = Path.Combine(native, "libonnxruntime.so");
        File.Delete(onnxRuntime);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(NativeDir, "libonnxruntime.so"));
        var at = bytes.AsSpan().IndexOf("librt.so.1\0"u8);
        Assert.True(at > 0, "libonnxruntime.so no longer names librt.so.1; pick another of its DT_NEEDED entries");
        "libsv.so.9"u8.CopyTo(bytes.AsSpan(at));
        await File.WriteAllBytesAsync(onnxRuntime, bytes);

        var start = new ProcessStartInfo("dotnet", [Path.Combine(app.Path, "streamvision.dll"), "run", "--duration", "1", "--http-port", "-1", "--mqtt-port", FreePort.Next().ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(ExitCodes.Configuration, process.ExitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr);
        Assert.StartsWith("streamvision: native library error: missing native library libsv.so.9 (needed by libonnxruntime.so)", lines[0]);
        Assert.Contains("apt-file search libsv.so.9", lines[0]);
        Assert.DoesNotContain("Exception", stderr + await stdout);
    }

    /// <summary>What a minimal Debian (debootstrap minbase, the slim images) always has: the
    /// essential and required packages.</summary>
    private static IEnumerable<string> BaseSystem() => Run("dpkg-query", "-W", "-f=${Package}\t${Essential}\t${Priority}\n")
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split('\t'))
        .Where(f => f.Length == 3 && (f[1] == "yes" || f[2] == "required"))
        .Select(f => f[0]);

    /// <summary>The packages and everything they depend on (not recommends: the images install
    /// with --no-install-recommends), from apt's package lists.</summary>
    private static HashSet<string> DependencyClosure(IEnumerable<string> packages)
    {
        string[] args = ["depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", .. packages.Distinct()];
        var output = Run("apt-cache", args);
        var closure = PackageHeaderLine().Matches(output).Select(m => m.Groups["name"].Value.Split(':')[0]).ToHashSet();
        Assert.True(closure.Count > 50, "apt-cache knows no packages: run 'apt-get update' (scripts/setup.sh does when it installs).");
        return closure;
    }

    private static HashSet<string> PackagesInstalledBy(string file)
    {
        var text = File.ReadAllText(Path.Combine(SharedData.RepoRoot, file));
        var list = file.EndsWith(".sh", StringComparison.Ordinal)
            ? Regex.Match(text, @"^apt_packages=\(([^)]*)\)", RegexOptions.Multiline).Groups[1].Value
            : Regex.Match(text, @"apt-get install -y --no-install-recommends ([^\\\n]+)").Groups[1].Value;
        return list.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }

    private static IEnumerable<(string Soname, string? Path)> Ldd(string library)
    {
        foreach (Match m in LddLine().Matches(Run("ldd", library)))
        {
            yield return (m.Groups["so"].Value, m.Groups["path"].Value == "not found" ? null : m.Groups["path"].Value);
        }
    }

    private static string? OwningPackage(string path)
    {
        // Debian 12 has merged /usr, but dpkg knows each file under the path its package ships.
        var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        foreach (var candidate in new[] { path, real }.SelectMany(p => new[] { p, p.StartsWith("/usr/", StringComparison.Ordinal) ? p[4..] : "/usr" + p }).Distinct())
        {
            var owner = Run("dpkg", ["-S", candidate], allowFailure: true).Split('\n')[0];
            if (owner.Contains(": ", StringComparison.Ordinal))
            {
                return owner[..owner.IndexOf(':')];
            }
        }
        return null;
    }

    private static string Run(string file, params string[] args) => Run(file, args, allowFailure: false);

    private static string Run(string file, string[] args, bool allowFailure)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 })!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(allowFailure || process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {error.Result}");
        return output;
    }

    [GeneratedRegex(@"^(?<name>[a-z0-9][a-z0-9.+:-]*)$", RegexOptions.Multiline)]
    private static partial Regex PackageHeaderLine();

    [GeneratedRegex(@"^\s*(?<so>\S+) => (?<path>not found|/\S+)", RegexOptions.Multiline)]
    private static partial Regex LddLine();
}
