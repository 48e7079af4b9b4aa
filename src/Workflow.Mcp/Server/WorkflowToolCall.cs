using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Workflow.Mcp.Internal;

namespace Workflow.Mcp.Server;

/// <summary>One call of a workflow tool: its arguments, its caller and the checks every tool makes.</summary>
internal sealed class WorkflowToolCall
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());
    private readonly WorkflowToolSet _set;
    private readonly IDictionary<string, JsonElement> _arguments;

    public WorkflowToolCall(WorkflowToolSet set, string toolName, RequestContext<CallToolRequestParams> request)
    {
        _set = set;
        ToolName = toolName;
        Request = request;
        _arguments = request.Params?.Arguments ?? new Dictionary<string, JsonElement>();

        // Over HTTP the transport always sets the user (an empty one when unauthenticated); only transports without
        // users (stdio, streams) leave it null, and for those the host vouches for the caller.
        Caller = request.User ?? set.Options.LocalCaller ?? Anonymous;
    }

    public string ToolName { get; }

    public RequestContext<CallToolRequestParams> Request { get; }

    public ClaimsPrincipal Caller { get; }

    public string CallerName => Caller.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";

    public ProgressToken? ProgressToken => Request.Params?.ProgressToken;

    public string? IdempotencyKey =>
        Request.Params?.Meta?[WorkflowMcpMeta.IdempotencyKey]?.GetValueKind() == JsonValueKind.String
            ? Request.Params.Meta[WorkflowMcpMeta.IdempotencyKey]!.GetValue<string>()
            : null;

    public JsonElement? Get(string name) => _arguments.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement Required(string name) =>
        Get(name) ?? throw new McpException($"The argument '{name}' is required.");

    public string? GetString(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value when value.GetString() is { Length: > 0 } text => text,
        { ValueKind: JsonValueKind.String } => throw new McpException($"The argument '{name}' must not be empty."),
        _ => throw new McpException($"The argument '{name}' must be a string."),
    };

    public string RequiredString(string name) =>
        GetString(name) ?? throw new McpException($"The argument '{name}' is required.");

    public bool RequiredBoolean(string name) => Required(name).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new McpException($"The argument '{name}' must be true or false."),
    };

    public int? GetInteger(string name, int min, int max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new McpException($"The argument '{name}' must be an integer.");
        }

        return number < min || number > max
            ? throw new McpException($"The argument '{name}' must be between {min} and {max}, not {number}.")
            : number;
    }

    public TimeSpan GetWait()
    {
        var max = (int)Math.Ceiling(_set.Options.MaxWait.TotalSeconds);
        return GetInteger("waitSeconds", 0, max) is { } seconds ? TimeSpan.FromSeconds(seconds) : _set.Options.DefaultWait;
    }

    /// <summary>Throws a tool error unless the authorizer allows the request.</summary>
    public async Task AuthorizeAsync(WorkflowToolOperation operation, string workflowName, string? instanceId = null, string? stepPath = null, string? eventName = null, CancellationToken cancellationToken = default)
    {
        if (!await IsAllowedAsync(operation, workflowName, instanceId, stepPath, eventName, cancellationToken).ConfigureAwait(false))
        {
            Log.ToolDenied(_set.Logger, ToolName, operation, workflowName, CallerName);
            var what = operation switch
            {
                WorkflowToolOperation.Start => $"start workflow '{workflowName}'",
                WorkflowToolOperation.AnswerApproval => $"answer approval '{stepPath}' of instance '{instanceId}' (workflow '{workflowName}')",
                WorkflowToolOperation.RaiseEvent => $"raise event '{eventName}' to instance '{instanceId}' (workflow '{workflowName}')",
                WorkflowToolOperation.Cancel => $"cancel instance '{instanceId}' (workflow '{workflowName}')",
                _ => $"read instance '{instanceId}' (workflow '{workflowName}')",
            };
            var hint = _set.HasAuthorizer(Request.Services)
                ? string.Empty
                : " No IWorkflowToolAuthorizer is registered on the server, so every request is denied; the server's host must register one.";
            throw new McpException($"Access denied: caller '{CallerName}' may not {what}.{hint}");
        }
    }

    public ValueTask<bool> IsAllowedAsync(WorkflowToolOperation operation, string workflowName, string? instanceId = null, string? stepPath = null, string? eventName = null, CancellationToken cancellationToken = default)
    {
        var authorizer = (Request.Services ?? _set.Services).GetService<IWorkflowToolAuthorizer>();
        return authorizer is null
            ? ValueTask.FromResult(false)
            : authorizer.AuthorizeAsync(
                new WorkflowToolRequest(Caller, operation, workflowName) { InstanceId = instanceId, StepPath = stepPath, EventName = eventName },
                cancellationToken);
    }
}
