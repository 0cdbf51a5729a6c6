using StreamVision.Ingest;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Sources;

namespace StreamVision.Tests.Unit;

public class SourceUrlTests
{
    [Theory]
    [InlineData("rtsp://admin:hunter2@10.0.0.5:554/stream1", "rtsp://admin:***@10.0.0.5:554/stream1")]
    [InlineData("rtsp://10.0.0.5/stream1", "rtsp://10.0.0.5/stream1")]
    [InlineData("error opening rtsp://u:p%40ss@cam/x: refused", "error opening rtsp://u:***@cam/x: refused")]
    public void Passwords_are_masked_wherever_a_url_appears(string text, string masked)
        => Assert.Equal(masked, SourceUrl.MaskCredentials(text));

    [Fact]
    public void Rtsp_urls_are_live_and_keep_credentials_only_for_the_decoder()
    {
        var url = SourceUrl.Parse("rtsp://admin:hunter2@127.0.0.1:8554/cam");
        Assert.Equal(SourceKind.Rtsp, url.Kind);
        Assert.True(url.IsLive);
        Assert.Contains("hunter2", url.Target);
        Assert.DoesNotContain("hunter2", url.Display);
    }

    [Theory]
    [InlineData("/dev/video0", SourceKind.Device)]
    [InlineData("v4l2:///dev/video2", SourceKind.Device)]
    [InlineData("synthetic://p?fps=5", SourceKind.Synthetic)]
    [InlineData("clip.mp4", SourceKind.File)]
    [InlineData("file:///tmp/clip.mp4", SourceKind.File)]
    public void Each_form_maps_to_its_kind(string text, SourceKind kind) => Assert.Equal(kind, SourceUrl.Parse(text).Kind);

    [Theory]
    [InlineData("ftp://host/x", "scheme 'ftp://' is not supported")]
    [InlineData("rtsp://", "not a valid RTSP URL")]
    [InlineData("v4l2://video0", "not a V4L2 device path")]
    public void Malformed_urls_say_what_form_is_expected(string text, string message)
        => Assert.Contains(message, Assert.Throws<FormatException>(() => SourceUrl.Parse(text)).Message);

    [Fact]
    public void A_missing_device_is_a_clear_error_naming_it()
    {
        using var decoder = new FfmpegProcessDecoder(SourceUrl.Parse("/dev/video97"), new FfmpegSettings());
        var e = Assert.Throws<SourceException>(() => decoder.Open());
        Assert.Contains("device '/dev/video97' does not exist", e.Message);
    }

    [Fact]
    public void Ffmpeg_arguments_use_tcp_by_default_udp_by_option_and_hwaccel_by_config()
    {
        var url = SourceUrl.Parse("rtsp://u:pw@127.0.0.1/cam");
        var tcp = new FfmpegProcessDecoder(url, new FfmpegSettings()).DisplayArguments;
        var udp = new FfmpegProcessDecoder(url, new FfmpegSettings { Transport = "udp", HardwareAcceleration = "vaapi" }, (640, 360)).DisplayArguments;
        Assert.Contains("-rtsp_transport tcp", tcp);
        Assert.DoesNotContain("-hwaccel", tcp);
        Assert.Contains("-rtsp_transport udp", udp);
        Assert.Contains("-hwaccel vaapi", udp);
        Assert.Contains("scale=640:360", udp);
        Assert.Contains("rtsp://u:***@127.0.0.1/cam", tcp);
    }
}
