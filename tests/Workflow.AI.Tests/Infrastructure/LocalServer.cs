using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>An HTTP server on 127.0.0.1 and a free port (Kestrel) that answers each request with the next reply of its
/// script, or with its router when the script is empty, and records every request it received.</summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Queue<Reply> _script = new();
    private readonly List<ReceivedRequest> _requests = [];
    private LocalServer(WebApplication app) => _app = app;

    /// <summary>Writes a reply to a request.</summary>
    public delegate Task Reply(HttpContext context, ReceivedRequest request);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets or sets the clock that stamps the requests received.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Answers requests when the script is empty.</summary>
    public Func<ReceivedRequest, Reply>? Router { get; set; }

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<LocalServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LocalServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        server.BaseAddress = new Uri(app.Urls.Single());
        return server;
    }

    public LocalServer Enqueue(params Reply[] replies)
    {
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _script.Enqueue(reply);
            }
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Reply? reply;
        ReceivedRequest request;
        lock (_gate)
        {
            request = new ReceivedRequest(
                _requests.Count + 1,
                context.Request.Path,
                body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone(),
                context.Request.Headers.Authorization.ToString(),
                Clock.GetUtcNow());
            _requests.Add(request);
            reply = _script.Count > 0 ? _script.Dequeue() : Router?.Invoke(request);
        }

        if (reply is null)
        {
            context.Response.StatusCode = StatusCodes.Status501NotImplemented;
            await context.Response.WriteAsync($"The test server has no reply for request {request.Index}.", context.RequestAborted);
            return;
        }

        await reply(context, request);
    }
}

/// <summary>A request the local server received.</summary>
public sealed record ReceivedRequest(int Index, string Path, JsonElement Body, string Authorization, DateTimeOffset ReceivedAt)
{
    public bool Streamed(bool byDefault = false) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("stream", out var stream) ? stream.ValueKind == JsonValueKind.True : byDefault;

    /// <summary>How many tool results the conversation sent so far holds (which turn of an agent this call is).</summary>
    public int ToolResults => Body.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "tool");

    public string LastMessageText
    {
        get
        {
            var messages = Body.GetProperty("messages");
            var content = messages[messages.GetArrayLength() - 1].GetProperty("content");
            return content.ValueKind == JsonValueKind.String ? content.GetString()! : content.GetRawText();
        }
    }
}
