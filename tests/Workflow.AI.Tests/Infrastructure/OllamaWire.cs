using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>Replies in Ollama's native chat protocol (<c>/api/chat</c>): one JSON object, or, when streaming (the
/// default), newline-delimited JSON objects ending with <c>done: true</c> and the token counts.</summary>
public static class OllamaWire
{
    public static LocalServer.Reply Text(string text, int promptTokens = 11, int completionTokens = 6) => async (context, request) =>
    {
        context.Response.ContentType = "application/x-ndjson";
        if (request.Streamed(byDefault: true))
        {
            var words = text.Split(' ');
            for (var i = 0; i < words.Length; i++)
            {
                await LineAsync(context, new JsonObject
                {
                    ["model"] = "llama-test",
                    ["created_at"] = "2026-01-01T00:00:00Z",
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = i == 0 ? words[i] : " " + words[i] },
                    ["done"] = false,
                });
            }

            await LineAsync(context, Done(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, promptTokens, completionTokens));
            return;
        }

        await LineAsync(context, Done(new JsonObject { ["role"] = "assistant", ["content"] = text }, promptTokens, completionTokens));
    };

    public static LocalServer.Reply ToolCall(string name, JsonObject arguments, int promptTokens = 25, int completionTokens = 9) => async (context, _) =>
    {
        context.Response.ContentType = "application/x-ndjson";
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = string.Empty,
            ["tool_calls"] = new JsonArray(new JsonObject { ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments } }),
        };
        await LineAsync(context, Done(message, promptTokens, completionTokens));
    };

    /// <summary>Streams <paramref name="partialText"/>'s words, then, once <paramref name="cut"/> completes, drops
    /// the connection before the <c>done</c> line.</summary>
    public static LocalServer.Reply CutStream(string partialText, Task cut) => async (context, _) =>
    {
        context.Response.ContentType = "application/x-ndjson";
        var words = partialText.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await LineAsync(context, new JsonObject
            {
                ["model"] = "llama-test",
                ["created_at"] = "2026-01-01T00:00:00Z",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = i == 0 ? words[i] : " " + words[i] },
                ["done"] = false,
            });
        }

        await cut.WaitAsync(context.RequestAborted);
        context.Abort();
    };

    public static LocalServer.Reply Status(int status, string error = "failure") => async (context, _) =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["error"] = error }.ToJsonString(), context.RequestAborted);
    };

    public static LocalServer.Reply MalformedJson() => async (context, _) =>
    {
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.WriteAsync("{\"model\":\"llama-test\",\"message\":{\"role\":\"assist", context.RequestAborted);
    };

    private static JsonObject Done(JsonObject message, int promptTokens, int completionTokens) => new()
    {
        ["model"] = "llama-test",
        ["created_at"] = "2026-01-01T00:00:00Z",
        ["message"] = message,
        ["done"] = true,
        ["done_reason"] = "stop",
        ["prompt_eval_count"] = promptTokens,
        ["eval_count"] = completionTokens,
    };

    private static async Task LineAsync(HttpContext context, JsonObject line)
    {
        await context.Response.WriteAsync(line.ToJsonString() + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
