using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.Client;

namespace SupportTriage;

/// <summary>Shows what an instance's agent did: its tool calls, read from the transcript it journaled as its step's
/// output, with the arguments the model chose and what the support desk answered.</summary>
internal static class AgentToolCalls
{
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>Prints the tool calls of the instance's <c>resolve</c> step, if it ran one.</summary>
    /// <returns>The ids of the refunds the support desk issued.</returns>
    public static async Task<List<string>> ShowAsync(WorkflowHandle instance, CancellationToken cancellationToken = default)
    {
        var refundIds = new List<string>();
        var history = await instance.GetHistoryAsync(cancellationToken);
        var agent = history.OfType<StepCompletedEvent>().FirstOrDefault(static step => step.StepPath.EndsWith("/resolve", StringComparison.Ordinal));
        if (agent is null)
        {
            return refundIds;
        }

        var transcript = agent.Output.GetProperty("transcript").Deserialize<List<ChatMessage>>(AIJsonUtilities.DefaultOptions) ?? [];
        var contents = transcript.SelectMany(static message => message.Contents).ToList();
        var results = contents.OfType<FunctionResultContent>().ToDictionary(static result => result.CallId);
        foreach (var call in contents.OfType<FunctionCallContent>())
        {
            var result = results.GetValueOrDefault(call.CallId)?.Result is JsonElement json ? json : default;
            var shown = result.ValueKind switch
            {
                JsonValueKind.Undefined => "(no result)",
                JsonValueKind.String => result.GetString(),
                _ => result.GetRawText(),
            };
            Console.WriteLine($"tool {call.Name} {JsonSerializer.Serialize(call.Arguments, Compact)} -> {shown}");
            if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("refundId", out var refundId))
            {
                refundIds.Add(refundId.GetString()!);
            }
        }

        return refundIds;
    }
}
