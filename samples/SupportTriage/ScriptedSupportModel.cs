using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace SupportTriage;

/// <summary>
/// A local stand-in for a model, used when no provider is configured: it follows a fixed script so the sample runs
/// with no network and no API key. It classifies by keywords (and, to show the repair loop, first answers with an
/// urgency outside the schema's range), calls the order tools the way a model would, and streams its text word by word.
/// </summary>
internal sealed partial class ScriptedSupportModel : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(Answer([.. messages], options));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = Answer([.. messages], options);
        var id = "scripted-" + Guid.NewGuid().ToString("N");
        foreach (var content in response.Messages.SelectMany(m => m.Contents))
        {
            if (content is TextContent text)
            {
                foreach (var word in Regex.Split(text.Text, @"(?<=\s)"))
                {
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return new ChatResponseUpdate(ChatRole.Assistant, word) { ResponseId = id, MessageId = id };
                }
            }
            else
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { ResponseId = id, MessageId = id };
            }
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(response.Usage!)])
        {
            ResponseId = id,
            MessageId = id,
            FinishReason = response.FinishReason,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static ChatResponse Answer(List<ChatMessage> messages, ChatOptions? options)
    {
        // The first user message is the step's prompt or task; later ones are repair requests.
        var prompt = messages.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var orderId = OrderIdPattern().Match(prompt) is { Success: true } match ? match.Value : "unknown";
        if (options?.ResponseFormat is ChatResponseFormatJson)
        {
            var repairing = messages.Any(m => m.Role == ChatRole.Assistant);
            return Reply(prompt, Classify(prompt, orderId, repairing));
        }

        if (options?.Tools is { Count: > 0 })
        {
            return AgentTurn(prompt, orderId, [.. messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()]);
        }

        return Reply(prompt, $"Thank you for your message about order {orderId}. Our espresso machines come with a two-year warranty, and descaling every three months keeps them running. Reply to this email if anything else comes up.");
    }

    private static string Classify(string prompt, string orderId, bool repairing)
    {
        var category = prompt.Contains("refund", StringComparison.OrdinalIgnoreCase) || prompt.Contains("broken", StringComparison.OrdinalIgnoreCase)
            ? "Refund"
            : prompt.Contains("where", StringComparison.OrdinalIgnoreCase) ? "Delivery" : "Question";
        var summary = prompt[(prompt.LastIndexOf(':') + 1)..].Trim().Split('.')[0] + ".";

        // The first reply of a refund breaks the schema (urgency 9 of 1..5), as models sometimes do.
        var urgency = category == "Refund" ? (repairing ? 4 : 9) : 2;
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["category"] = category, ["orderId"] = orderId, ["urgency"] = urgency, ["summary"] = summary });
    }

    private static ChatResponse AgentTurn(string task, string orderId, List<FunctionResultContent> results)
    {
        var last = results.LastOrDefault()?.Result?.ToString() ?? string.Empty;
        if (results.Count == 0)
        {
            return Call("lookup_order", new() { ["orderId"] = orderId });
        }

        var refund = task.Contains("Refund", StringComparison.Ordinal);
        if (results.Count == 1 && refund && task.Contains("broken", StringComparison.OrdinalIgnoreCase) && PricePattern().Match(last) is { Success: true } price)
        {
            return Call("refund_order", new() { ["orderId"] = orderId, ["amount"] = decimal.Parse(price.Groups[1].Value, CultureInfo.InvariantCulture) });
        }

        var reply = last switch
        {
            _ when last.StartsWith("Done", StringComparison.Ordinal) =>
                $"We are sorry your order {orderId} arrived broken. We have refunded it in full; the money reaches your account within five days.",
            _ when last.Contains("not run", StringComparison.Ordinal) =>
                $"We are sorry your order {orderId} arrived broken. A colleague will contact you about the return before we refund it.",
            _ => $"Thank you for your patience. {last}",
        };
        return Reply(task, reply);
    }

    private static ChatResponse Call(string tool, Dictionary<string, object?> arguments) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..8], tool, arguments)]))
        {
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = Usage(40, 12),
        };

    private static ChatResponse Reply(string prompt, string text) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            FinishReason = ChatFinishReason.Stop,
            Usage = Usage(prompt.Split(' ').Length * 4 / 3, text.Split(' ').Length * 4 / 3),
        };

    private static UsageDetails Usage(long input, long output) => new() { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };

    [GeneratedRegex(@"\b[A-Z]-\d{4}\b")]
    private static partial Regex OrderIdPattern();

    [GeneratedRegex(@"(\d+\.\d\d) EUR")]
    private static partial Regex PricePattern();
}
