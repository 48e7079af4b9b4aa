using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>Replies in the OpenAI chat completions wire protocol: a <c>chat.completion</c> JSON body, or, when the
/// request asks to stream, server-sent events of <c>chat.completion.chunk</c>s ending with the finish reason, a usage
/// chunk and <c>[DONE]</c>.</summary>
public static class OpenAIWire
{
    public static LocalServer.Reply Text(string text, int promptTokens = 12, int completionTokens = 7) => async (context, request) =>
    {
        if (request.Streamed())
        {
            await StartStreamAsync(context);
            var words = text.Split(' ');
            for (var i = 0; i < words.Length; i++)
            {
                await ChunkAsync(context, new JsonObject { ["content"] = i == 0 ? words[i] : " " + words[i], ["role"] = i == 0 ? "assistant" : null });
            }

            await FinishAsync(context, "stop", promptTokens, completionTokens);
            return;
        }

        await JsonAsync(context, Completion(new JsonObject { ["role"] = "assistant", ["content"] = text }, "stop", promptTokens, completionTokens));
    };

    /// <summary>A tool call; streamed, its arguments arrive split into <paramref name="argumentChunks"/> pieces.</summary>
    public static LocalServer.Reply ToolCall(string callId, string name, string argumentsJson, int argumentChunks = 3, int promptTokens = 30, int completionTokens = 10) => async (context, request) =>
    {
        if (request.Streamed())
        {
            await StartStreamAsync(context);
            await ChunkAsync(context, new JsonObject
            {
                ["role"] = "assistant",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["id"] = callId,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = name, ["arguments"] = string.Empty },
                }),
            });
            var size = (int)Math.Ceiling(argumentsJson.Length / (double)argumentChunks);
            for (var start = 0; start < argumentsJson.Length; start += size)
            {
                var piece = argumentsJson.Substring(start, Math.Min(size, argumentsJson.Length - start));
                await ChunkAsync(context, new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }),
                });
            }

            await FinishAsync(context, "tool_calls", promptTokens, completionTokens);
            return;
        }

        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = callId,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = argumentsJson },
            }),
        };
        await JsonAsync(context, Completion(message, "tool_calls", promptTokens, completionTokens));
    };

    public static LocalServer.Reply Status(int status, string? retryAfter = null, string? body = null) => async (context, _) =>
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body ?? new JsonObject { ["error"] = new JsonObject { ["message"] = $"status {status}", ["type"] = "test_error", ["code"] = null } }.ToJsonString(), context.RequestAborted);
    };

    /// <summary>A 200 whose body is cut off in the middle of the JSON.</summary>
    public static LocalServer.Reply MalformedJson() => async (context, request) =>
    {
        context.Response.ContentType = request.Streamed() ? "text/event-stream" : "application/json";
        var body = request.Streamed() ? "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"del\n\n" : "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"mess";
        await context.Response.WriteAsync(body, context.RequestAborted);
    };

    /// <summary>Streams <paramref name="partialText"/>'s words, then, once <paramref name="cut"/> completes, drops
    /// the connection without finishing the stream.</summary>
    public static LocalServer.Reply CutStream(string partialText, Task cut) => async (context, _) =>
    {
        await StartStreamAsync(context);
        var words = partialText.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await ChunkAsync(context, new JsonObject { ["content"] = i == 0 ? words[i] : " " + words[i], ["role"] = i == 0 ? "assistant" : null });
        }

        await cut.WaitAsync(context.RequestAborted);
        context.Abort();
    };

    /// <summary>Never answers: waits until the client gives up.</summary>
    public static LocalServer.Reply Hang() => async (context, _) =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    private static JsonObject Completion(JsonObject message, string finishReason, int promptTokens, int completionTokens) => new()
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion",
        ["created"] = 1_767_225_600,
        ["model"] = "test-model",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason }),
        ["usage"] = Usage(promptTokens, completionTokens),
    };

    private static JsonObject Usage(int promptTokens, int completionTokens) =>
        new() { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };

    private static async Task JsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static async Task StartStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static Task ChunkAsync(HttpContext context, JsonObject delta) =>
        EventAsync(context, new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_767_225_600,
            ["model"] = "test-model",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null }),
        });

    private static async Task FinishAsync(HttpContext context, string finishReason, int promptTokens, int completionTokens)
    {
        await EventAsync(context, new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_767_225_600,
            ["model"] = "test-model",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = finishReason }),
        });

        // Usage arrives in a last chunk with no choices (stream_options.include_usage).
        await EventAsync(context, new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_767_225_600,
            ["model"] = "test-model",
            ["choices"] = new JsonArray(),
            ["usage"] = Usage(promptTokens, completionTokens),
        });
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task EventAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", Encoding.UTF8, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>The arguments of a request's first tool call, as the client sent them back in the conversation.</summary>
    public static JsonElement? SentToolCallArguments(ReceivedRequest request)
    {
        foreach (var message in request.Body.GetProperty("messages").EnumerateArray())
        {
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                return JsonDocument.Parse(calls[0].GetProperty("function").GetProperty("arguments").GetString()!).RootElement.Clone();
            }
        }

        return null;
    }
}
