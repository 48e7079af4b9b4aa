using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Workflow.Mcp.Internal;

namespace Workflow.Mcp.Client;

/// <summary>One configured MCP server: a client connected on first use and connected again after the server's process
/// or connection is gone. Calls in flight when it goes fail; they are never repeated here (the caller's retry policy
/// decides, with the idempotency key it sent).</summary>
internal sealed class McpServerConnection(string name, McpServerConnectionOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private const int StandardErrorTail = 20;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<string> _standardError = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.ClientCategory);
    private McpClient? _client;
    private bool _disposed;
    private int _disposing;

    public string Name { get; } = name;

    public async Task<McpClient> GetClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { Completion.IsCompleted: false } current)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { Completion.IsCompleted: false } connected)
            {
                return connected;
            }

            if (_client is { } dead)
            {
                Log.ServerLost(_logger, (await dead.Completion.ConfigureAwait(false)).Exception, Name);
                _client = null;
                await DisposeQuietlyAsync(dead).ConfigureAwait(false);
            }

            _client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            Log.ServerConnected(_logger, Name);
            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<CallToolResult> CallToolAsync(
        string tool, IReadOnlyDictionary<string, object?>? arguments, IProgress<ProgressNotificationValue>? progress, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var client = await GetClientAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(options.CallTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var requestOptions = idempotencyKey is null ? null : new RequestOptions { Meta = new JsonObject { [WorkflowMcpMeta.IdempotencyKey] = idempotencyKey } };
        var call = client.CallToolAsync(tool, arguments, progress, requestOptions, linked.Token).AsTask();
        try
        {
            // A server that dies mid-call may leave the request unanswered: the session's end ends the call too.
            if (await Task.WhenAny(call, client.Completion).ConfigureAwait(false) != call)
            {
                _ = call.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                await ForgetAsync(client).ConfigureAwait(false);
                throw Lost(tool, await client.Completion.ConfigureAwait(false), innerException: null);
            }

            return await call.ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"MCP server '{Name}' did not answer the call of tool '{tool}' within {options.CallTimeout} (McpServerConnectionOptions.CallTimeout).", ex);
        }
        catch (Exception ex) when (ex is not (McpProtocolException or OperationCanceledException or McpServerUnavailableException or TimeoutException))
        {
            var details = client.Completion.IsCompleted ? await client.Completion.ConfigureAwait(false) : null;
            await ForgetAsync(client).ConfigureAwait(false);
            throw Lost(tool, details, ex);
        }
    }

    /// <summary>Drops a connection that failed a call, so the next call connects again even when the session has not
    /// noticed yet that the server is gone (a process's exit can be seen after the failed call).</summary>
    private async Task ForgetAsync(McpClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            Log.ServerLost(_logger, exception: null, Name);
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose the shared instance once per service type it is registered under.
        if (Interlocked.Exchange(ref _disposing, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_client is { } client)
            {
                _client = null;
                await DisposeQuietlyAsync(client).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private async Task<McpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_standardError)
        {
            _standardError.Clear();
        }

        IClientTransport transport = options.Endpoint is { } endpoint
            ? new HttpClientTransport(new HttpClientTransportOptions
            {
                Name = Name,
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = options.Headers.Count == 0 ? null : new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase),
            }, loggerFactory)
            : new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = Name,
                Command = options.Command!,
                Arguments = [.. options.Arguments],
                WorkingDirectory = options.WorkingDirectory,
                EnvironmentVariables = options.EnvironmentVariables.Count == 0 ? null : new Dictionary<string, string?>(options.EnvironmentVariables, StringComparer.Ordinal),
                StandardErrorLines = KeepStandardError,
            }, loggerFactory);
        try
        {
            return await McpClient.CreateAsync(
                transport,
                new McpClientOptions
                {
                    ClientInfo = new Implementation { Name = "Workflow", Version = typeof(McpServerConnection).Assembly.GetName().Version?.ToString() ?? "0.0.0" },
                    ProtocolVersion = options.ProtocolVersion,
                },
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ServerStartFailed(_logger, ex, Name);
            var what = options.Endpoint is { } url ? $"at {url}" : $"with the command '{string.Join(' ', [options.Command!, .. options.Arguments])}'";
            throw new McpServerUnavailableException(Name,
                $"Could not start or connect to MCP server '{Name}' {what}: {ex.Message}{StandardErrorText()} Check the server's configuration in AddMcpClient.", ex);
        }
    }

    private McpServerUnavailableException Lost(string tool, ClientCompletionDetails? details, Exception? innerException)
    {
        var exit = details is StdioClientCompletionDetails { ExitCode: { } code } ? $" (its process exited with code {code})" : string.Empty;
        var stderr = details is StdioClientCompletionDetails { StandardErrorTail: { Count: > 0 } tail }
            ? $" Its last error output: {string.Join(" | ", tail)}."
            : StandardErrorText();
        return new McpServerUnavailableException(Name,
            $"MCP server '{Name}' closed the connection during the call of tool '{tool}'{exit}; the call's outcome is unknown.{stderr} The next call connects again.",
            innerException ?? details?.Exception);
    }

    private void KeepStandardError(string line)
    {
        lock (_standardError)
        {
            _standardError.Enqueue(line);
            while (_standardError.Count > StandardErrorTail)
            {
                _standardError.Dequeue();
            }
        }
    }

    private string StandardErrorText()
    {
        lock (_standardError)
        {
            return _standardError.Count == 0 ? string.Empty : $" Its last error output: {string.Join(" | ", _standardError)}.";
        }
    }

    private static async ValueTask DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is already gone; there is nothing left to close.
        }
    }
}
