using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that can lose the answer to a query after the server has run it: armed, it holds
/// back the server's messages until the next ReadyForQuery, and when that answer carried rows it closes both sockets
/// instead of delivering it. For a single-statement commit this is the ambiguous failure of a connection that dropped
/// after COMMIT reached the server: the work is done, the client only sees a broken connection.
/// </summary>
/// <remarks>It parses the server's messages, so connections through it must not negotiate TLS or GSS encryption
/// (<see cref="ConnectionString"/> turns both off).</remarks>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly List<TcpClient> _sockets = [];
    private readonly TaskCompletionSource _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    private CuttingProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _tasks.Add(AcceptAsync());
    }

    public int Port { get; }

    /// <summary>Completes when an answer was cut.</summary>
    public Task Cut => _cut.Task;

    /// <summary>Starts a proxy to the server of <paramref name="connectionString"/>.</summary>
    public static CuttingProxy Start(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        return new CuttingProxy(target.Host!, target.Port);
    }

    /// <summary><paramref name="connectionString"/>, going through this proxy.</summary>
    public string ConnectionString(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString)
    {
        Host = "127.0.0.1",
        Port = Port,
        SslMode = SslMode.Disable,
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    /// <summary>Loses the server's next answer that carries rows (once).</summary>
    public void ArmCut() => Volatile.Write(ref _armed, 1);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The pumps end with the sockets.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            lock (_tasks)
            {
                _tasks.Add(Task.Run(() => PumpAsync(client, server)));
            }
        }
    }

    private async Task PumpAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            var toServer = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
            var toClient = RelayAnswersAsync(server.GetStream(), client.GetStream(), _stop.Token);
            await Task.WhenAny(toServer, toClient);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // One side closed.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task RelayAnswersAsync(Stream server, Stream client, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var held = new MemoryStream();
        var heldRows = false;
        while (true)
        {
            await server.ReadExactlyAsync(header, cancellationToken);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await server.ReadExactlyAsync(body, cancellationToken);
            var type = (char)header[0];
            if (Volatile.Read(ref _armed) == 0 && held.Length == 0)
            {
                await client.WriteAsync(header, cancellationToken);
                await client.WriteAsync(body, cancellationToken);
                continue;
            }

            await held.WriteAsync(header, cancellationToken);
            await held.WriteAsync(body, cancellationToken);
            heldRows |= type == 'D';
            if (type != 'Z')
            {
                continue;
            }

            if (heldRows && Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
            {
                // The server has answered (and committed): the client never hears of it.
                _cut.TrySetResult();
                return;
            }

            await client.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
            held.SetLength(0);
            heldRows = false;
        }
    }
}
