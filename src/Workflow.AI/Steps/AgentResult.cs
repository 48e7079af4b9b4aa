using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.AI.Internal;

namespace Workflow.AI;

/// <summary>What an agent step produced: its final answer, and the conversation that led to it.</summary>
/// <param name="Answer">The text of the final reply.</param>
/// <param name="Transcript">The conversation (instructions, task, replies, tool calls and results) as Microsoft.Extensions.AI
/// chat messages in JSON, so the journal keeps it as it is; read it with <see cref="GetTranscript"/>.</param>
/// <param name="Turns">The model calls made.</param>
/// <param name="ToolCalls">The tool calls the model made (run, rejected or reported as errors).</param>
/// <param name="Usage">The tokens used, as the providers reported them.</param>
public sealed record AgentResult(string Answer, JsonElement Transcript, int Turns, int ToolCalls, TokenUsage Usage)
{
    /// <summary>Reads the transcript as chat messages.</summary>
    /// <returns>The messages, in order.</returns>
    public IList<ChatMessage> GetTranscript() =>
        Transcript.ValueKind == JsonValueKind.Array ? AIJson.FromElement<List<ChatMessage>>(Transcript) ?? [] : [];
}
