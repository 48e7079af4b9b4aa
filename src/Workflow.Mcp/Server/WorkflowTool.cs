using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Workflow.Exceptions;
using Workflow.Mcp.Internal;

namespace Workflow.Mcp.Server;

/// <summary>A tool of the workflow tool set: a protocol description plus a handler. Expected failures (bad arguments,
/// denials, unknown ids, conflicts) become tool errors with a message saying what was wrong; anything else is logged
/// and reported without its details.</summary>
internal sealed class WorkflowTool(Tool tool, WorkflowToolSet set, Func<WorkflowToolCall, CancellationToken, Task<JsonNode>> handler) : McpServerTool
{
    public override Tool ProtocolTool => tool;

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var arguments = request.Params?.Arguments;
            var size = arguments?.Sum(static a => Encoding.UTF8.GetByteCount(a.Key) + Encoding.UTF8.GetByteCount(a.Value.GetRawText())) ?? 0;
            if (size > set.Options.MaxArgumentBytes)
            {
                throw new McpException(
                    $"The arguments are {size:N0} bytes of JSON; this server accepts at most {set.Options.MaxArgumentBytes:N0}. Send less data (pass large documents by reference).");
            }

            var call = new WorkflowToolCall(set, tool.Name, request);
            var result = await handler(call, cancellationToken).ConfigureAwait(false);
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = result.ToJsonString(WorkflowToolSet.JsonOptions) }],
                StructuredContent = JsonSerializer.SerializeToElement(result, WorkflowToolSet.JsonOptions),
            };
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            return Error(message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ToolFailed(set.Logger, ex, tool.Name);
            return Error($"The tool '{tool.Name}' failed unexpectedly; the server logged the details.");
        }
    }

    private static string? Describe(Exception exception) => exception switch
    {
        McpException or WorkflowException => exception.Message,
        _ => null,
    };

    private static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };
}
