using System.Diagnostics;
using System.Globalization;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A worker node in a process of its own (<c>tests/Workflow.Postgres.Worker</c>): the runtime on PostgreSQL, whose
/// console lines the test reads. It can be paused (SIGSTOP), continued (SIGCONT) and killed (SIGKILL); disposing it
/// kills it if it still runs.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _printed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(string nodeId, Process process)
    {
        NodeId = nodeId;
        _process = process;
    }

    public string NodeId { get; }

    /// <summary>The lines the process printed so far (standard error ones prefixed with <c>stderr: </c>).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Everything the process printed, for failure messages.</summary>
    public string Output => $"--- {NodeId} ---{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}";

    /// <summary>Whether the process still runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Starts a node and waits until it prints that it runs.</summary>
    public static async Task<WorkerProcess> StartAsync(
        string connectionString, string schema, string nodeId, TimeSpan lease, TimeSpan poll, IEnumerable<string>? extra = null, CancellationToken cancellationToken = default)
    {
        string[] arguments =
        [
            "--schema", schema,
            "--node", nodeId,
            "--lease-ms", ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--poll-ms", ((int)poll.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            .. extra ?? [],
        ];

        // The connection string goes through the environment, not the command line.
        var node = Launch("Workflow.Postgres.Worker", nodeId, arguments, new Dictionary<string, string?> { ["WORKFLOW_WORKER_CONNECTION"] = connectionString });
        try
        {
            await node.WaitForLineAsync(l => l == $"ready node={nodeId}", "it runs", cancellationToken);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    /// <summary>Starts another program of the solution, built next to the tests (a project referenced by the test
    /// project), named <paramref name="name"/> in failure messages, with these arguments and environment variables
    /// (<see langword="null"/> removes one).</summary>
    public static WorkerProcess Launch(string project, string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var program = Path.GetFullPath(Path.Combine(
            AppContext.BaseDirectory, "..", "..", project, new DirectoryInfo(AppContext.BaseDirectory).Name, project + ".dll"));
        Assert.True(File.Exists(program), $"{project} was not built at {program}.");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (variable, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(variable);
            }
            else
            {
                startInfo.Environment[variable] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var child = new WorkerProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until the process exits by itself (at most <see cref="Poll.Cap"/>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(Poll.Cap, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{NodeId} did not exit within {Poll.Cap.TotalSeconds:0} s.{Environment.NewLine}{Output}", ex);
        }

        // WaitForExitAsync also waited for the end of the redirected output: every line is in.
        return _process.ExitCode;
    }

    public int Count(Func<string, bool> match) => Lines.Count(match);

    /// <summary>Waits until the process printed a matching line and returns it; fails with its output if it exits first
    /// or <see cref="Poll.Cap"/> passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, CancellationToken cancellationToken) =>
        await WaitForCountAsync(match, 1, what, cancellationToken);

    /// <summary>Waits until the process printed <paramref name="count"/> matching lines in all and returns the last of
    /// them; fails with its output if it exits first or <see cref="Poll.Cap"/> passes.</summary>
    public async Task<string> WaitForCountAsync(Func<string, bool> match, int count, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var seen = 0;
        var found = 0;
        while (true)
        {
            Task printed;
            lock (_gate)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (match(_lines[seen]) && ++found >= count)
                    {
                        return _lines[seen];
                    }
                }

                printed = _printed.Task;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{NodeId} exited with {_process.ExitCode} before {what}.{Environment.NewLine}{Output}");
            }

            var left = Poll.Cap - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Gave up after {Poll.Cap.TotalSeconds:0} s waiting until {NodeId}: {what}.{Environment.NewLine}{Output}");
            }

            // A line, or the exit (which prints nothing more), or the cap: whichever comes first.
            try
            {
                await Task.WhenAny(printed, _process.WaitForExitAsync(cancellationToken)).WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The cap: reported above, with the output.
            }
        }
    }

    /// <summary>Pauses the whole process (SIGSTOP): no thread runs, no heartbeat renews its leases.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused process go on (SIGCONT).</summary>
    public Task ContinueAsync() => SignalAsync("CONT");

    /// <summary>Kills the process with SIGKILL, as a crash would: nothing of it runs any more.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(Poll.Cap);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(Poll.Cap);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource printed;
        lock (_gate)
        {
            _lines.Add(line);
            printed = _printed;
            _printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        printed.TrySetResult();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, _process.Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync().WaitAsync(Poll.Cap);
        Assert.True(kill.ExitCode == 0, $"kill -s {signal} {_process.Id} failed with {kill.ExitCode}.");
    }
}
