using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Mcp.Internal;
using Workflow.Runtime;
using Workflow.Steps;

namespace Workflow.Mcp.Client;

/// <summary>Workflow steps that call MCP servers configured with <c>AddMcpClient</c>.</summary>
public static class McpWorkflowBuilderExtensions
{
    /// <summary>Adds a step that calls a tool of an MCP server. Its result is the step's output, journaled when the call
    /// returns, so a recovered instance never calls again for a completed step. The request carries the step's
    /// idempotency key in its <c>_meta</c>, and the server's progress notifications reach the instance's watchers.</summary>
    /// <typeparam name="TInput">The input type of the workflow.</typeparam>
    /// <typeparam name="TCurrent">The step's input.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow.</param>
    /// <param name="server">The server's name, as given to <c>AddMcpClient</c>.</param>
    /// <param name="tool">The tool's name.</param>
    /// <param name="arguments">Computes the tool's arguments from the step's input.</param>
    /// <param name="options">Retry and timeout of the step. A tool that returns an error result fails the step for
    /// good (error type <c>Mcp.ToolError</c>); an unreachable server or a timeout is retried per these options.</param>
    /// <returns>The builder for the next step.</returns>
    public static WorkflowBuilder<TInput, McpToolResult> CallTool<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder,
        string name,
        string server,
        string tool,
        Func<TCurrent, IReadOnlyDictionary<string, object?>> arguments,
        StepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return builder.CallTool(name, server, tool, (input, _) => arguments(input), options);
    }

    /// <summary>Adds a step that calls a tool of an MCP server, with arguments computed from the step's input and its
    /// context (for example <see cref="StepContext.IdempotencyKey"/> for a tool that takes one, or the workflow's input).
    /// Its result is the step's output, journaled when the call returns, so a recovered instance never calls again for
    /// a completed step. The request carries the step's idempotency key in its <c>_meta</c>, and the server's progress
    /// notifications reach the instance's watchers.</summary>
    /// <typeparam name="TInput">The input type of the workflow.</typeparam>
    /// <typeparam name="TCurrent">The step's input.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow.</param>
    /// <param name="server">The server's name, as given to <c>AddMcpClient</c>.</param>
    /// <param name="tool">The tool's name.</param>
    /// <param name="arguments">Computes the tool's arguments from the step's input and context.</param>
    /// <param name="options">Retry and timeout of the step. A tool that returns an error result fails the step for
    /// good (error type <c>Mcp.ToolError</c>); an unreachable server or a timeout is retried per these options.</param>
    /// <returns>The builder for the next step.</returns>
    public static WorkflowBuilder<TInput, McpToolResult> CallTool<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder,
        string name,
        string server,
        string tool,
        Func<TCurrent, StepContext, IReadOnlyDictionary<string, object?>> arguments,
        StepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(server);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentNullException.ThrowIfNull(arguments);
        return builder.Then(name, async (input, context, cancellationToken) =>
        {
            var result = await CallAsync(context, server, tool, arguments(input, context), cancellationToken).ConfigureAwait(false);
            return new McpToolResult(TextOf(result), result.StructuredContent);
        }, options);
    }

    /// <summary>Adds a step that runs a workflow served by another service's MCP server (<c>WithWorkflowTools</c>) and
    /// continues with its output. The remote instance's id is this step's idempotency key, so a step that runs again
    /// after a crash finds the instance it started instead of starting another; the step waits, call after call,
    /// until that instance ends.</summary>
    /// <typeparam name="TInput">The input type of the workflow.</typeparam>
    /// <typeparam name="TCurrent">The step's input.</typeparam>
    /// <typeparam name="TOutput">The remote workflow's output, read from its JSON with the workflow serializer options.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow.</param>
    /// <param name="server">The server's name, as given to <c>AddMcpClient</c>.</param>
    /// <param name="workflowName">The remote workflow's name.</param>
    /// <param name="input">Computes the remote workflow's input from the step's input.</param>
    /// <param name="options">Retry and timeout of the step. A remote instance that fails or is canceled fails the step
    /// for good (error type <c>Mcp.RemoteWorkflowFailed</c>).</param>
    /// <returns>The builder for the next step.</returns>
    public static WorkflowBuilder<TInput, TOutput> CallWorkflow<TInput, TCurrent, TOutput>(
        this WorkflowBuilder<TInput, TCurrent> builder,
        string name,
        string server,
        string workflowName,
        Func<TCurrent, object?> input,
        StepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(server);
        ArgumentException.ThrowIfNullOrEmpty(workflowName);
        ArgumentNullException.ThrowIfNull(input);
        return builder.Then(name, async (value, context, cancellationToken) =>
        {
            var serializerOptions = context.Services.GetService<IOptions<WorkflowOptions>>()?.Value.SerializerOptions ?? JsonSerializerOptions.Web;
            var instanceId = context.IdempotencyKey;
            var report = await CallForReportAsync(context, server, WorkflowToolNames.Start(workflowName), new Dictionary<string, object?>
            {
                ["input"] = JsonSerializer.SerializeToElement(input(value), serializerOptions),
                ["instanceId"] = instanceId,
                ["waitSeconds"] = 0,
            }, cancellationToken).ConfigureAwait(false);
            while (report.GetProperty("status").GetString() == nameof(WorkflowStatus.Running))
            {
                report = await CallForReportAsync(context, server, WorkflowToolNames.GetResult, new Dictionary<string, object?>
                {
                    ["instanceId"] = instanceId,
                }, cancellationToken).ConfigureAwait(false);
            }

            if (report.TryGetProperty("output", out var output))
            {
                return output.Deserialize<TOutput>(serializerOptions)!;
            }

            var why = report.TryGetProperty("failure", out var failure) ? failure.GetProperty("message").GetString() : report.GetProperty("status").GetString();
            throw new StepFailedException("Mcp.RemoteWorkflowFailed", $"Workflow '{workflowName}' on MCP server '{server}' (instance '{instanceId}') did not complete: {why}")
            {
                NonRetryable = true,
            };
        }, options);
    }

    private static async Task<JsonElement> CallForReportAsync(StepContext context, string server, string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var result = await CallAsync(context, server, tool, arguments, cancellationToken).ConfigureAwait(false);
        return result.StructuredContent is { ValueKind: JsonValueKind.Object } report
            ? report
            : JsonDocument.Parse(TextOf(result)).RootElement.Clone();
    }

    private static async Task<CallToolResult> CallAsync(StepContext context, string server, string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var servers = context.Services.GetRequiredService<IMcpServers>();
        var result = await servers.CallToolAsync(server, tool, arguments, new EmitProgress(context), context.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        return result.IsError == true
            ? throw new StepFailedException("Mcp.ToolError", $"Tool '{tool}' of MCP server '{server}' returned an error: {TextOf(result)}") { NonRetryable = true }
            : result;
    }

    private static string TextOf(CallToolResult result) =>
        string.Join('\n', result.Content.OfType<TextContentBlock>().Select(static block => block.Text));

    /// <summary>Passes the server's progress on to the instance's watchers; it is not journaled.</summary>
    private sealed class EmitProgress(StepContext context) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) =>
            context.Emit(value.Message ?? (value.Total is { } total ? $"{value.Progress}/{total}" : value.Progress.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
