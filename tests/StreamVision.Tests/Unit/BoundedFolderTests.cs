using StreamVision.Publish.Files;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>The media folder of snapshots and clips, on real files: within its byte and age bounds, oldest first.</summary>
public sealed class BoundedFolderTests : IDisposable
{
    private readonly TempDir _dir = new();

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Over_its_byte_bound_the_oldest_files_go_first()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var folder = new BoundedFolder(_dir.Path, maxBytes: 2500, TimeSpan.FromDays(1), clock);
        for (var i = 0; i < 5; i++)
        {
            clock.Now += TimeSpan.FromSeconds(1);
            folder.Write($"cam/{i}.jpg", new byte[1000]);
        }
        // 5000 bytes written into 2500: the two newest stay.
        Assert.Equal(["3.jpg", "4.jpg"], Directory.GetFiles(Path.Combine(_dir.Path, "cam")).Select(Path.GetFileName).Order());
        Assert.Equal(2000, folder.Bytes);
        Assert.Null(folder.PathOf("cam/0.jpg"));
        Assert.NotNull(folder.PathOf("cam/4.jpg"));
        // Replacing a file counts its new size only.
        clock.Now += TimeSpan.FromSeconds(1);
        folder.Write("cam/3.jpg", new byte[500]);
        Assert.Equal(1500, folder.Bytes);
    }

    [Fact]
    public void Files_older_than_its_age_bound_go_and_files_of_an_earlier_run_count()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var folder = new BoundedFolder(_dir.Path, maxBytes: 1 << 20, TimeSpan.FromDays(2), clock);
        folder.Write("a/old.jpg", new byte[10]);
        clock.Now += TimeSpan.FromDays(1.5);
        folder.Write("a/new.jpg", new byte[10]);
        clock.Now += TimeSpan.FromDays(1);
        folder.Write("b/newest.jpg", new byte[10]);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "a", "old.jpg")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "a", "new.jpg")));

        // A restarted service finds what is there (by the files' own times) and keeps the bound.
        var again = new BoundedFolder(_dir.Path, maxBytes: 15, TimeSpan.FromDays(10));
        Assert.Equal(1, again.Count);
        Assert.Equal(10, again.Bytes);
    }

    [Fact]
    public void A_path_that_would_leave_the_folder_is_refused()
    {
        var folder = new BoundedFolder(_dir.Path, 1000, TimeSpan.FromDays(1));
        Assert.Contains("not a path inside", Assert.Throws<ArgumentException>(() => folder.Write("../escape.jpg", [1])).Message);
        Assert.Throws<ArgumentException>(() => folder.Write("/etc/passwd", [1]));
    }

    public void Dispose() => _dir.Dispose();
}
