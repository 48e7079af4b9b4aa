using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>A model for unit tests of Workflow.AI's own logic: it answers each call with the next step of its script
/// and records what it was sent. Streaming splits a text reply into word updates and ends with the finish reason and
/// usage, as providers do.</summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Lock _gate = new();
    private readonly Queue<Step> _script = new();
    private readonly List<ScriptedCall> _calls = [];

    public IReadOnlyList<ScriptedCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public int CallCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    public int Remaining
    {
        get
        {
            lock (_gate)
            {
                return _script.Count;
            }
        }
    }

    public ScriptedChatClient Reply(string text, long inputTokens = 10, long outputTokens = 5) =>
        Add(new Step(_ => Text(text, inputTokens, outputTokens)));

    public ScriptedChatClient Reply(Func<ScriptedCall, ChatResponse> reply) => Add(new Step(reply));

    public ScriptedChatClient CallTools(params (string Name, object Arguments)[] calls) =>
        Add(new Step(call =>
        {
            var contents = new List<AIContent>();
            for (var i = 0; i < calls.Length; i++)
            {
                contents.Add(new FunctionCallContent($"call-{call.Index}-{i}", calls[i].Name, Arguments(calls[i].Arguments)));
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
            {
                FinishReason = ChatFinishReason.ToolCalls,
                ModelId = "scripted",
                Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 8, TotalTokenCount = 28 },
            };
        }));

    public ScriptedChatClient CallTool(string name, object arguments) => CallTools((name, arguments));

    public ScriptedChatClient Fail(Exception exception) => Add(new Step(_ => throw exception));

    /// <summary>A streamed call that yields <paramref name="partialText"/>'s words, then fails with <paramref name="exception"/>.</summary>
    public ScriptedChatClient CutStream(string partialText, Exception exception) => Add(new Step(_ => Text(partialText, 0, 0)) { CutWith = exception });

    /// <summary>Makes the next call wait until <paramref name="gate"/> completes (after it was recorded).</summary>
    public ScriptedChatClient HoldNext(TaskCompletionSource gate)
    {
        lock (_gate)
        {
            _holds.Enqueue(gate);
        }

        return this;
    }

    private readonly Queue<TaskCompletionSource> _holds = new();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (step, call, hold) = Next(messages, options, streamed: false);
        if (hold is not null)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return step.Respond(call);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (step, call, hold) = Next(messages, options, streamed: true);
        if (hold is not null)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        var response = step.Respond(call);
        var responseId = $"r{call.Index}";
        foreach (var content in response.Messages[^1].Contents)
        {
            if (content is TextContent text)
            {
                var words = text.Text.Split(' ');
                for (var i = 0; i < words.Length; i++)
                {
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return new ChatResponseUpdate(ChatRole.Assistant, i < words.Length - 1 ? words[i] + " " : words[i])
                    {
                        ResponseId = responseId,
                        MessageId = responseId,
                        ModelId = response.ModelId,
                    };
                }
            }
            else
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { ResponseId = responseId, MessageId = responseId };
            }
        }

        if (step.CutWith is not null)
        {
            throw step.CutWith;
        }

        var final = new ChatResponseUpdate { ResponseId = responseId, MessageId = responseId, Role = ChatRole.Assistant, FinishReason = response.FinishReason };
        if (response.Usage is not null)
        {
            final.Contents.Add(new UsageContent(response.Usage));
        }

        yield return final;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", new Uri("http://localhost"), "scripted")
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public static ChatResponse Text(string text, long inputTokens = 10, long outputTokens = 5) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = "scripted",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens, TotalTokenCount = inputTokens + outputTokens },
        };

    private static Dictionary<string, object?> Arguments(object arguments) =>
        JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;

    private ScriptedChatClient Add(Step step)
    {
        lock (_gate)
        {
            _script.Enqueue(step);
        }

        return this;
    }

    private (Step Step, ScriptedCall Call, TaskCompletionSource? Hold) Next(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streamed)
    {
        lock (_gate)
        {
            var call = new ScriptedCall(_calls.Count + 1, [.. messages.Select(m => m.Clone())], options?.Clone(), streamed);
            _calls.Add(call);
            if (_script.Count == 0)
            {
                throw new InvalidOperationException($"The scripted model has no reply left for call {call.Index}; the test expected fewer calls.");
            }

            return (_script.Dequeue(), call, _holds.Count > 0 ? _holds.Dequeue() : null);
        }
    }

    private sealed record Step(Func<ScriptedCall, ChatResponse> Respond)
    {
        public Exception? CutWith { get; init; }
    }
}

/// <summary>One call the scripted model received.</summary>
public sealed record ScriptedCall(int Index, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, bool Streamed)
{
    public string LastUserText => Messages.Last(m => m.Role == ChatRole.User).Text;

    /// <summary>The result of the single tool call the last message answers, as the model sees it.</summary>
    public string? LastToolResult => Messages[^1].Contents.OfType<FunctionResultContent>().Single().Result?.ToString();
}
