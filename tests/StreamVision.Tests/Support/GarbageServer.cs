using System.Net;
using System.Net.Sockets;

namespace StreamVision.Tests.Support;

/// <summary>A TCP server on 127.0.0.1 that accepts every connection and answers with random bytes.</summary>
public sealed class GarbageServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public GarbageServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    private async Task AcceptLoop()
    {
        var random = new Random(1);
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var junk = new byte[4096];
                    try
                    {
                        for (var i = 0; i < 64 && !_stop.IsCancellationRequested; i++)
                        {
                            random.NextBytes(junk);
                            await client.GetStream().WriteAsync(junk, _stop.Token);
                            await Task.Delay(20, _stop.Token);
                        }
                    }
                    catch (Exception)
                    {
                    }
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
