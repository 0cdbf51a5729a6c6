namespace StreamVision.Pipelines.Configuration;

/// <summary>
/// Model folders and files the service's user is not allowed to read (a folder copied as root, a
/// volume mounted with the wrong owner). Without this check such a folder looks empty — File.Exists
/// is false inside a folder that cannot be searched — and the error would say "not found".
/// </summary>
public static class ReadAccess
{
    /// <summary>Why <paramref name="folder"/> cannot be read, or null when it can (or does not exist).
    /// Catches a folder without read permission, one that can be listed but not entered (r without x:
    /// names come back, files cannot be opened), and one under a folder that cannot be entered.</summary>
    public static string? FolderProblem(string folder)
    {
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(folder).GetEnumerator();
            if (entries.MoveNext())
            {
                File.GetAttributes(entries.Current);
            }
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Denied("models folder", folder, folder, e) + (Directory.Exists(folder) ? "" : " (If it exists, a folder above it cannot be entered: give that one a+x.)");
        }
    }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming <paramref name="file"/> when it cannot be opened for reading.</summary>
    public static void CheckFile(string what, string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ConfigurationException(Denied(what, file, Path.GetDirectoryName(Path.GetFullPath(file)) ?? file, e), e);
        }
    }

    public static string Denied(string what, string path, string folder, Exception e) =>
        $"{what} '{path}' cannot be read ({Reason(e)}). Give the service's user ({Environment.UserName}) read access to it, e.g. 'chmod -R a+rX {folder}', or change its owner with chown.";

    private static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : e.Message.TrimEnd('.');
}
