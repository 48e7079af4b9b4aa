using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace SupportTriage;

/// <summary>
/// A local stand-in for a model, used when no provider is configured: it follows a fixed script so the sample runs
/// with no network and no API key. It classifies by keywords (and, to show the repair loop, first answers with an
/// urgency outside the schema's range), calls the support desk's tools the way a model would (reading the JSON they
/// return), and streams its text word by word.
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
            return AgentTurn(prompt, orderId, messages);
        }

        return Reply(prompt, $"Thank you for your question about order {orderId}. Our product team answers it by email within one business day; reply to this email if anything else comes up.");
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

    private static ChatResponse AgentTurn(string task, string orderId, List<ChatMessage> messages)
    {
        // What each tool answered last, by tool name (the support desk's results are JSON; rejections are text).
        var calls = messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToDictionary(c => c.CallId, c => c.Name);
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var result in messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>())
        {
            results[calls.GetValueOrDefault(result.CallId, "?")] = Json(result.Result);
        }

        if (!results.TryGetValue("lookup_order", out var order))
        {
            return Call("lookup_order", new() { ["orderId"] = orderId });
        }

        if (order.ValueKind != JsonValueKind.Object)
        {
            return Reply(task, $"We could not find your order {orderId}: {Text(order)} Please check the order id and write to us again.");
        }

        var items = string.Join(", ", order.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("quantity").GetInt32()} x {i.GetProperty("name").GetString()}"));
        var summary = task[(task.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        if (task.Contains("(Refund,", StringComparison.Ordinal) && task.Contains("broken", StringComparison.OrdinalIgnoreCase))
        {
            if (!results.TryGetValue("refund_order", out var refund))
            {
                // The amount the customer asks for, or the order's total.
                var amount = AmountPattern().Match(summary) is { Success: true } asked
                    ? decimal.Parse(asked.Groups[1].Value, CultureInfo.InvariantCulture)
                    : order.GetProperty("total").GetDecimal();
                return Call("refund_order", new() { ["orderId"] = orderId, ["amount"] = amount, ["reason"] = summary });
            }

            return Reply(task, refund.ValueKind == JsonValueKind.Object
                ? string.Create(CultureInfo.InvariantCulture, $"We are sorry your order {orderId} ({items}) arrived broken. We have refunded {refund.GetProperty("amount").GetDecimal():0.00} EUR (refund {refund.GetProperty("refundId").GetString()}); the money reaches your card within 5 business days.")
                : Text(refund).Contains("not run", StringComparison.Ordinal)
                    ? $"We are sorry your order {orderId} ({items}) arrived broken. A colleague will contact you about the return before we refund it."
                    : $"We are sorry your order {orderId} ({items}) arrived broken. We could not refund it yet ({Text(refund)}); a colleague will contact you.");
        }

        var status = order.GetProperty("status").GetString();
        if (status == "delivered")
        {
            return Reply(task, $"Thank you for your message. Your order {orderId} ({items}) was delivered; reply to this email if anything is missing.");
        }

        if (!results.TryGetValue("search_knowledge_base", out var articles))
        {
            return Call("search_knowledge_base", new() { ["query"] = "shipping delivery", ["maxResults"] = 1 });
        }

        var article = articles.ValueKind == JsonValueKind.Object && articles.GetProperty("articles").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first
            ? " " + first.GetProperty("body").GetString()
            : string.Empty;
        return Reply(task, $"Thank you for your patience. Your order {orderId} ({items}) {(status == "shipped" ? "has shipped" : "is " + status)}.{article}");
    }

    /// <summary>A tool's result as JSON: the support desk's structured results are JSON objects, other results text.</summary>
    private static JsonElement Json(object? result) => result switch
    {
        JsonElement element => element,
        string text => JsonSerializer.SerializeToElement(text),
        null => default,
        var other => JsonSerializer.SerializeToElement(other.ToString()),
    };

    private static string Text(JsonElement result) => result.ValueKind == JsonValueKind.String ? result.GetString()! : result.GetRawText();

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

    [GeneratedRegex(@"(\d+(?:\.\d+)?) EUR")]
    private static partial Regex AmountPattern();
}
