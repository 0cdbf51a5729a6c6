using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace StreamVision.Host.Cli;

/// <summary>
/// Loads the native libraries the service cannot run without (OpenCV's and ONNX Runtime's) before
/// any command starts, so a shared library missing from the machine is one line naming it, the
/// Debian package that provides it and the command that installs it, instead of a
/// TypeInitializationException deep inside the first frame.
/// </summary>
internal static partial class NativeDependencies
{
    /// <summary>The native libraries loaded at start, by file name (the NuGet runtimes put them next
    /// to the executable or under runtimes/&lt;rid&gt;/native).</summary>
    public static readonly IReadOnlyList<string> Libraries = ["libOpenCvSharpExtern.so", "libonnxruntime.so"];

    /// <summary>Debian 12 package of each shared library the native parts link against (read off
    /// <c>ldd</c> and <c>dpkg -S</c>; a test keeps it complete and right).</summary>
    public static readonly IReadOnlyDictionary<string, string> DebianPackages = new Dictionary<string, string>
    {
        ["libatk-1.0.so.0"] = "libatk1.0-0",
        ["libatk-bridge-2.0.so.0"] = "libatk-bridge2.0-0",
        ["libatomic.so.1"] = "libatomic1",
        ["libatspi.so.0"] = "libatspi2.0-0",
        ["libblkid.so.1"] = "libblkid1",
        ["libbrotlicommon.so.1"] = "libbrotli1",
        ["libbrotlidec.so.1"] = "libbrotli1",
        ["libbsd.so.0"] = "libbsd0",
        ["libc.so.6"] = "libc6",
        ["libcairo-gobject.so.2"] = "libcairo-gobject2",
        ["libcairo.so.2"] = "libcairo2",
        ["libcap.so.2"] = "libcap2",
        ["libdatrie.so.1"] = "libdatrie1",
        ["libdbus-1.so.3"] = "libdbus-1-3",
        ["libdl.so.2"] = "libc6",
        ["libdrm.so.2"] = "libdrm2",
        ["libepoxy.so.0"] = "libepoxy0",
        ["libexpat.so.1"] = "libexpat1",
        ["libffi.so.8"] = "libffi8",
        ["libfontconfig.so.1"] = "libfontconfig1",
        ["libfreetype.so.6"] = "libfreetype6",
        ["libfribidi.so.0"] = "libfribidi0",
        ["libgcc_s.so.1"] = "libgcc-s1",
        ["libgcrypt.so.20"] = "libgcrypt20",
        ["libgdk-3.so.0"] = "libgtk-3-0",
        ["libgdk_pixbuf-2.0.so.0"] = "libgdk-pixbuf-2.0-0",
        ["libgio-2.0.so.0"] = "libglib2.0-0",
        ["libglib-2.0.so.0"] = "libglib2.0-0",
        ["libgmodule-2.0.so.0"] = "libglib2.0-0",
        ["libgobject-2.0.so.0"] = "libglib2.0-0",
        ["libgpg-error.so.0"] = "libgpg-error0",
        ["libgraphite2.so.3"] = "libgraphite2-3",
        ["libgtk-3.so.0"] = "libgtk-3-0",
        ["libharfbuzz.so.0"] = "libharfbuzz0b",
        ["libjpeg.so.62"] = "libjpeg62-turbo",
        ["liblz4.so.1"] = "liblz4-1",
        ["liblzma.so.5"] = "liblzma5",
        ["libm.so.6"] = "libc6",
        ["libmd.so.0"] = "libmd0",
        ["libmount.so.1"] = "libmount1",
        ["libpango-1.0.so.0"] = "libpango-1.0-0",
        ["libpangocairo-1.0.so.0"] = "libpangocairo-1.0-0",
        ["libpangoft2-1.0.so.0"] = "libpangoft2-1.0-0",
        ["libpcre2-8.so.0"] = "libpcre2-8-0",
        ["libpixman-1.so.0"] = "libpixman-1-0",
        ["libpng16.so.16"] = "libpng16-16",
        ["libpthread.so.0"] = "libc6",
        ["librt.so.1"] = "libc6",
        ["libselinux.so.1"] = "libselinux1",
        ["libstdc++.so.6"] = "libstdc++6",
        ["libsystemd.so.0"] = "libsystemd0",
        ["libthai.so.0"] = "libthai0",
        ["libwayland-client.so.0"] = "libwayland-client0",
        ["libwayland-cursor.so.0"] = "libwayland-cursor0",
        ["libwayland-egl.so.1"] = "libwayland-egl1",
        ["libX11.so.6"] = "libx11-6",
        ["libXau.so.6"] = "libxau6",
        ["libxcb-render.so.0"] = "libxcb-render0",
        ["libxcb-shm.so.0"] = "libxcb-shm0",
        ["libxcb.so.1"] = "libxcb1",
        ["libXcomposite.so.1"] = "libxcomposite1",
        ["libXcursor.so.1"] = "libxcursor1",
        ["libXdamage.so.1"] = "libxdamage1",
        ["libXdmcp.so.6"] = "libxdmcp6",
        ["libXext.so.6"] = "libxext6",
        ["libXfixes.so.3"] = "libxfixes3",
        ["libXi.so.6"] = "libxi6",
        ["libXinerama.so.1"] = "libxinerama1",
        ["libxkbcommon.so.0"] = "libxkbcommon0",
        ["libXrandr.so.2"] = "libxrandr2",
        ["libXrender.so.1"] = "libxrender1",
        ["libz.so.1"] = "zlib1g",
        ["libzstd.so.1"] = "libzstd1",
    };

    private static readonly Lazy<string?> Problem = new(() => Check(AppContext.BaseDirectory));

    /// <summary>The one-line problem with this process's native libraries, or null when they load.
    /// Checked once per process.</summary>
    public static string? ProblemAtStart => Problem.Value;

    /// <summary>Loads each native library found under <paramref name="baseDirectory"/>; returns the
    /// message for the first that does not load, or null.</summary>
    public static string? Check(string baseDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null; // the package names and ldd below are Debian's; elsewhere the runtime reports
        }
        foreach (var name in Libraries)
        {
            var path = Locate(baseDirectory, name);
            if (path is null)
            {
                continue; // a layout we do not know; the runtime's own probing reports it
            }
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                return Describe(path, e.Message);
            }
        }
        return null;
    }

    /// <summary>The message for a library that failed to load: every shared library it needs that
    /// the machine lacks (from <c>ldd</c>, else from the loader's own message) and their packages.</summary>
    public static string Describe(string libraryPath, string loaderMessage)
    {
        var missing = MissingByLdd(libraryPath);
        if (missing.Count == 0 && NotFoundInLoaderMessage().Match(loaderMessage) is { Success: true } m)
        {
            missing = [m.Groups["so"].Value];
        }
        return missing.Count == 0
            ? $"{Path.GetFileName(libraryPath)} ({libraryPath}) does not load: {loaderMessage.ReplaceLineEndings(" ")}. Run 'bash scripts/setup.sh' or reinstall StreamVision."
            : Describe(Path.GetFileName(libraryPath), missing);
    }

    /// <summary>One line: the missing shared libraries, who needs them, their Debian packages and
    /// the command that installs them.</summary>
    public static string Describe(string library, IReadOnlyList<string> missing)
    {
        var known = missing.Where(DebianPackages.ContainsKey).Select(so => DebianPackages[so]).Distinct().ToList();
        var unknown = missing.Where(so => !DebianPackages.ContainsKey(so)).ToList();
        var fix = new List<string>();
        if (known.Count > 0)
        {
            fix.Add($"Debian's package{(known.Count > 1 ? "s" : "")} {string.Join(", ", known)} provide{(known.Count > 1 ? "" : "s")} {(missing.Count > 1 ? "them" : "it")}: install with 'sudo apt-get install {string.Join(' ', known)}'");
        }
        if (unknown.Count > 0)
        {
            fix.Add($"find the package of {string.Join(", ", unknown)} with 'apt-file search {unknown[0]}'");
        }
        return $"missing native librar{(missing.Count > 1 ? "ies" : "y")} {string.Join(", ", missing)} (needed by {library}); {string.Join("; ", fix)} (or run 'bash scripts/setup.sh').";
    }

    /// <summary>The library a loader exception names ("Unable to load shared library 'X'").</summary>
    public static string LibraryNamedIn(string loaderMessage) =>
        LibraryInLoaderMessage().Match(loaderMessage) is { Success: true } m ? m.Groups["name"].Value : "a native library";

    private static string? Locate(string baseDirectory, string name)
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string[] candidates =
        [
            Path.Combine(baseDirectory, name),
            Path.Combine(baseDirectory, "runtimes", $"linux-{arch}", "native", name),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static List<string> MissingByLdd(string libraryPath)
    {
        try
        {
            using var ldd = Process.Start(new ProcessStartInfo("ldd", [libraryPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (ldd is null)
            {
                return [];
            }
            var stderr = ldd.StandardError.ReadToEndAsync();
            var output = ldd.StandardOutput.ReadToEnd();
            ldd.WaitForExit();
            _ = stderr.Result;
            return LddNotFound().Matches(output).Select(x => x.Groups["so"].Value).Distinct().ToList();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return []; // no ldd on this machine: the loader's message names the first one
        }
    }

    [GeneratedRegex(@"^\s*(?<so>\S+)\s+=>\s+not found", RegexOptions.Multiline)]
    private static partial Regex LddNotFound();

    [GeneratedRegex(@"shared library '(?<name>[^']+)'")]
    private static partial Regex LibraryInLoaderMessage();

    [GeneratedRegex(@"(?<so>[\w.+-]+\.so[\w.]*): cannot open shared object file")]
    private static partial Regex NotFoundInLoaderMessage();
}
