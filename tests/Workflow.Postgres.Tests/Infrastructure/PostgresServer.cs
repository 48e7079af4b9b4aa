using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL server for tests that must stop, crash or restart a server. It never touches the
/// shared test database: it runs <c>initdb</c> into its own temp folder and listens on its own free port of
/// 127.0.0.1. The server binaries come from <c>WORKFLOW_TEST_POSTGRES_BIN</c>. As root, the server runs as the
/// <c>postgres</c> OS user (via <c>runuser</c>), because PostgreSQL refuses to run as root.
/// </summary>
/// <remarks>
/// <see cref="DisposeAsync"/> always stops the server and deletes its folder. Tests that use this type belong in a
/// collection with <c>DisableParallelization = true</c>.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string ServerUser = "postgres";
    private const int StartAttempts = 3;

    // pg_ctl gives up (and says why) a little before the process timeout kills it.
    private const string PgCtlWaitSeconds = "50";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly string _binDirectory;
    private readonly bool _runAsServerUser;
    private int _disposed;

    private PostgresServer(string binDirectory, string rootDirectory, bool runAsServerUser)
    {
        _binDirectory = binDirectory;
        RootDirectory = rootDirectory;
        _runAsServerUser = runAsServerUser;
        ConnectionString = string.Empty;
    }

    /// <summary>The folder holding the data directory, the socket and the server log; deleted on dispose.</summary>
    public string RootDirectory { get; }

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string LogFile => Path.Combine(RootDirectory, "server.log");

    public int Port { get; private set; }

    /// <summary>Connects as the <c>postgres</c> superuser to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; private set; }

    /// <summary>Creates and starts a private server. Skips the test (fails it when <c>CI=true</c>) without server binaries.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binDirectory = PostgresTestEnvironment.RequireServerBinDirectory();
        if (!File.Exists(Path.Combine(binDirectory, "pg_ctl")) || !File.Exists(Path.Combine(binDirectory, "initdb")))
        {
            throw new InvalidOperationException($"{PostgresTestEnvironment.ServerBinVariable}={binDirectory} holds no pg_ctl/initdb.");
        }

        var parent = PostgresTestEnvironment.ScratchDirectory ?? Path.GetTempPath();
        var root = Path.Combine(parent, "wf-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var server = new PostgresServer(binDirectory, root, runAsServerUser: Environment.IsPrivilegedProcess);
        try
        {
            await server.InitializeAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Crashes the server (<c>pg_ctl restart -m immediate</c>) and waits until it accepts connections again after recovery.</summary>
    public async Task RestartImmediateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await RunPgCtlAsync(["restart", "-m", "immediate", .. ServerOptions()], cancellationToken);
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>); the folder stays until dispose.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await RunPgCtlAsync(["stop", "-m", "fast"], cancellationToken);
    }

    /// <summary>Stops the server if it runs (immediate mode, then by pid if pg_ctl fails) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var pid = ReadPostmasterPid();
        if (pid is not null)
        {
            try
            {
                await RunPgCtlAsync(["stop", "-m", "immediate"], CancellationToken.None);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // Fall through: the postmaster is ended by its pid below.
            }

            // The pid file may be stale: only a process that still is a postgres server is ended.
            if (IsPostgresRunning(pid.Value))
            {
                try
                {
                    using var process = Process.GetProcessById(pid.Value);
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // It exited in the meantime.
                }
            }

            await WaitUntilAsync(() => !IsPostgresRunning(pid.Value), $"the postmaster (pid {pid}) to exit", CancellationToken.None);
        }

        if (Directory.Exists(RootDirectory))
        {
            await WaitUntilAsync(TryDeleteRootDirectory, $"{RootDirectory} to be deleted", CancellationToken.None);
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(RootDirectory);
        if (_runAsServerUser)
        {
            await RunAsync("chown", [$"{ServerUser}:", RootDirectory], asServerUser: false, cancellationToken);
        }

        await RunAsync(
            Path.Combine(_binDirectory, "initdb"),
            ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"],
            _runAsServerUser,
            cancellationToken);

        // Another process can take the port between the probe and the bind, so a failed start gets a new port.
        for (var attempt = 1; ; attempt++)
        {
            Port = GetFreePort();
            try
            {
                await RunPgCtlAsync(["start", .. ServerOptions()], cancellationToken);
                break;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && ReadPostmasterPid() is null)
            {
                // Retry on another port.
            }
        }

        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = "postgres",
            ApplicationName = "workflow-tests-private-server",
        }.ConnectionString;
    }

    private string[] ServerOptions() =>
    [
        "-l", LogFile,
        "-o", string.Create(CultureInfo.InvariantCulture, $"-p {Port} -k '{RootDirectory}' -c listen_addresses=127.0.0.1"),
    ];

    private async Task RunPgCtlAsync(string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(
                Path.Combine(_binDirectory, "pg_ctl"),
                ["-D", DataDirectory, "-w", "-t", PgCtlWaitSeconds, .. arguments],
                _runAsServerUser,
                cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}{Environment.NewLine}--- server log (tail) ---{Environment.NewLine}{ReadLogTail()}", ex);
        }
    }

    /// <summary>Runs a command with a 60 s cap; a non-zero exit code throws with the command's stderr and stdout in the message.</summary>
    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, bool asServerUser, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = asServerUser ? "runuser" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServerUser)
        {
            startInfo.ArgumentList.Add("-u");
            startInfo.ArgumentList.Add(ServerUser);
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var commandLine = string.Join(' ', startInfo.ArgumentList.Prepend(startInfo.FileName));
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start: {commandLine}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var partialError = await ReadOrEmptyAsync(stderr);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"Canceled: {commandLine}{Environment.NewLine}{partialError}", cancellationToken);
            }

            throw new TimeoutException($"Timed out after {CommandTimeout.TotalSeconds:0} s: {commandLine}{Environment.NewLine}stderr: {partialError}");
        }

        var error = await stderr;
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Exit code {process.ExitCode}: {commandLine}{Environment.NewLine}stderr: {error.Trim()}{Environment.NewLine}stdout: {output.Trim()}");
        }
    }

    private static async Task<string> ReadOrEmptyAsync(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or ObjectDisposedException)
        {
            return string.Empty;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms for at most 60 s.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > CommandTimeout)
            {
                throw new TimeoutException($"Gave up after {CommandTimeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private int? ReadPostmasterPid()
    {
        try
        {
            var firstLine = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True while <paramref name="pid"/> is a live <c>postgres</c> process; a zombie (exited, not yet reaped by its
    /// parent) counts as gone.
    /// </summary>
    private static bool IsPostgresRunning(int pid)
    {
        if (!Directory.Exists("/proc"))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                return !process.HasExited && process.ProcessName == "postgres";
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                return false;
            }
        }

        try
        {
            // /proc/<pid>/stat: "<pid> (<comm>) <state> ..."
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                return false;
            }

            var name = stat.AsSpan(open + 1, close - open - 1);
            var state = stat.AsSpan(close + 1).TrimStart();
            return name.SequenceEqual("postgres") && state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool TryDeleteRootDirectory()
    {
        try
        {
            Directory.Delete(RootDirectory, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            var tail = new StringBuilder();
            foreach (var line in lines.TakeLast(30))
            {
                tail.AppendLine(line);
            }

            return tail.ToString();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"(no log: {ex.Message})";
        }
    }
}
