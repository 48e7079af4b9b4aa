using System.Text.Json;

namespace Workflow.Mcp.Client;

/// <summary>The result of a tool call made by a <c>CallTool</c> step, as it is journaled.</summary>
/// <param name="Text">The text blocks of the result, joined by new lines.</param>
/// <param name="StructuredContent">The structured result, when the tool returned one.</param>
public sealed record McpToolResult(string Text, JsonElement? StructuredContent);
