using System.Text.Json;

namespace Workflow.AI;

/// <summary>What a person is asked to approve when an agent calls a tool that needs approval: the request of the
/// pending approval (<c>PendingApproval.Request</c>, in JSON: <c>toolName</c>, <c>arguments</c>, <c>callId</c>,
/// <c>description</c>).</summary>
/// <param name="ToolName">The tool the model wants to call.</param>
/// <param name="Arguments">The arguments it wants to call it with, as a JSON object.</param>
/// <param name="CallId">The model's id of the call.</param>
/// <param name="Description">The tool's description, if it has one.</param>
public sealed record ToolCallApprovalRequest(string ToolName, JsonElement Arguments, string CallId, string? Description);
