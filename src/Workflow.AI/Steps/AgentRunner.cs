using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Workflow.AI.Internal;
using Workflow.AI.Journaling;
using Workflow.AI.Telemetry;
using Workflow.Steps;

namespace Workflow.AI.Steps;

/// <summary>
/// The agent loop: a model call (journaled), then each tool call it asked for, in order (each result journaled under
/// <c>tool-N</c>; a tool marked as needing approval first waits durably for a person), until a reply asks for no tool.
/// A tool that does not exist, gets arguments that do not fit its schema, throws, or is rejected gives the model an
/// error to act on, and the loop goes on within its limits. When the step runs again, journaled model calls and tool
/// results replay, so the agent resumes at the turn it was in.
/// </summary>
internal static class AgentRunner
{
    public static async Task<AgentResult> RunAsync(StepContext context, string task, AgentOptions options, CancellationToken cancellationToken)
    {
        var logger = AIStepRuntime.Logger(context);
        var client = AIStepRuntime.Client(context, options.Provider);
        var state = StepChatState.For(context);
        var offered = new List<AITool>(options.Tools);
        if (options.ToolSource is { } source)
        {
            offered.AddRange(await source(context, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The tool source of the agent of step '{context.StepPath}' returned null; return an empty list for no tools."));
        }

        var tools = new Dictionary<string, AITool>(StringComparer.Ordinal);
        foreach (var tool in offered)
        {
            tools.TryAdd(tool.Name, tool);
        }

        var chatOptions = options.ChatOptions?.Clone() ?? new ChatOptions();
        if (tools.Count > 0)
        {
            chatOptions.Tools = [.. tools.Values];
        }

        var messages = AIStepRuntime.Conversation(options.Instructions, task);
        var usage = TokenUsage.None;
        var toolCalls = 0;
        using var activity = AIInstrumentation.Source.HasListeners() ? StartAgentActivity(context) : null;
        for (var turn = 1; ; turn++)
        {
            var response = await AIStepRuntime.CallAsync(client, messages, chatOptions, options.Stream, cancellationToken).ConfigureAwait(false);
            usage += Usage(response.Usage);
            messages.AddMessages(response);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Where(c => !c.InformationalOnly).ToList();
            if (calls.Count == 0)
            {
                activity?.SetTag(AIInstrumentation.InputTokensTag, usage.InputTokens);
                activity?.SetTag(AIInstrumentation.OutputTokensTag, usage.OutputTokens);
                return new AgentResult(response.Text, AIJson.ToElement(messages), turn, toolCalls, usage);
            }

            if (turn >= options.MaxTurns)
            {
                throw Limit(context, logger, activity, AgentLimit.Turns, turn, usage, messages,
                    $"The agent of step '{context.StepPath}' made {turn} model call(s), its turn limit (AgentOptions.MaxTurns), and the last still asked for tools ({string.Join(", ", calls.Select(c => c.Name))}) instead of giving a final answer. Raise MaxTurns, or make the task and instructions say when to stop. The transcript so far is in the failure's details.");
            }

            if (options.TokenBudget is { } budget && usage.TotalTokens >= budget)
            {
                throw Limit(context, logger, activity, AgentLimit.TokenBudget, turn, usage, messages,
                    $"The agent of step '{context.StepPath}' used {usage.TotalTokens} token(s) in {turn} model call(s), reaching its budget of {budget} (AgentOptions.TokenBudget), without a final answer. Raise the budget, or narrow the task. The transcript so far is in the failure's details.");
            }

            var results = new List<AIContent>(calls.Count);
            foreach (var call in calls)
            {
                toolCalls++;
                results.Add(await InvokeToolAsync(context, state, call, tools, options, logger, cancellationToken).ConfigureAwait(false));
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }
    }

    private static async Task<FunctionResultContent> InvokeToolAsync(
        StepContext context, StepChatState state, FunctionCallContent call, Dictionary<string, AITool> tools, AgentOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var key = state.NextToolCallKey();
        if (!tools.TryGetValue(call.Name, out var tool))
        {
            var available = tools.Count == 0 ? "none" : string.Join(", ", tools.Keys);
            return Failed(context, logger, key, call, "no such tool", $"Error: there is no tool named '{call.Name}'. The tools are: {available}. Call one of them, or answer without a tool.");
        }

        if (tool.GetService<AIFunction>() is not { } function)
        {
            return Failed(context, logger, key, call, "the tool is a declaration without an implementation", $"Error: the tool '{call.Name}' cannot be called by this agent (it is a declaration without an implementation).");
        }

        var arguments = call.Arguments ?? new Dictionary<string, object?>();
        var argumentsJson = AIJson.ToElement(new Dictionary<string, object?>(arguments));
        if (JsonSchemaValidator.ForTool(function) is { } validator && validator.Validate(argumentsJson) is { Count: > 0 } violations)
        {
            return Failed(context, logger, key, call, "arguments that do not fit its schema at " + string.Join(", ", violations.Select(v => v.Path)),
                $"Error: the arguments of '{call.Name}' do not fit its parameters: {string.Join("; ", violations)}. Call it again with arguments that match its schema.");
        }

        if (tool.GetService<ApprovalRequiredAIFunction>() is not null)
        {
            // Outside RunOnceAsync and any catch: the request suspends the step, which runs again once it is answered.
            var decision = await context.RequestApprovalAsync(ApprovalKey(key, call.Name), new ToolCallApprovalRequest(call.Name, argumentsJson, call.CallId, tool.Description)).ConfigureAwait(false);
            if (!decision.Approved)
            {
                Log.ToolCallRejected(logger, key, call.Name, context.StepPath, decision.By);
                var comment = string.IsNullOrWhiteSpace(decision.Comment) ? string.Empty : $" Their comment: {decision.Comment}";
                return new FunctionResultContent(call.CallId,
                    $"The call was not run: {decision.By} rejected it.{comment} Do not call it again with the same arguments; go on without it, or explain in your answer what you would need.");
            }
        }

        var record = await context.RunOnceAsync(
            key,
            async token =>
            {
                var toolContext = new ToolCallContext(context, key, call);
                using var activity = AIInstrumentation.Source.HasListeners() ? StartToolActivity(context, call, function) : null;
                var previous = ToolCallContext.Enter(toolContext);
                try
                {
                    var result = await function.InvokeAsync(
                        new AIFunctionArguments(arguments)
                        {
                            Services = context.Services,
                            Context = new Dictionary<object, object?> { [typeof(ToolCallContext)] = toolContext },
                        },
                        token).ConfigureAwait(false);
                    return ToolCallRecord.Success(call.Name, result);
                }
                catch (Exception ex) when (IsToolError(ex, token))
                {
                    activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                    activity?.SetTag(AIInstrumentation.ErrorTypeTag, ex.GetType().FullName);
                    return ToolCallRecord.Failure(call.Name, options.IncludeDetailedErrors
                        ? $"Error: the tool '{call.Name}' failed: {ex.GetType().Name}: {ex.Message}"
                        : $"Error: the tool '{call.Name}' failed ({ex.GetType().Name}).");
                }
                finally
                {
                    ToolCallContext.Exit(previous);
                }
            },
            cancellationToken).ConfigureAwait(false);
        var value = ToolCallRecord.Read(record, key, context.StepPath, out var error);
        if (error is not null)
        {
            Log.ToolCallFailed(logger, key, call.Name, context.StepPath, "the tool threw");
            return new FunctionResultContent(call.CallId, error);
        }

        return new FunctionResultContent(call.CallId, value);
    }

    /// <summary>Whether an exception from a tool goes back to the model. Not: the step's cancellation, and Workflow's
    /// own exceptions (a <c>StepFailedException</c> a tool throws to fail the step, the runtime's control signals).</summary>
    private static bool IsToolError(Exception exception, CancellationToken token) =>
        !(exception is OperationCanceledException && token.IsCancellationRequested)
        && exception.GetType().Assembly != typeof(StepContext).Assembly;

    /// <summary>Reports an error to the model; the log gets only <paramref name="reason"/>, as the model's text can
    /// quote the call's arguments.</summary>
    private static FunctionResultContent Failed(StepContext context, ILogger logger, string key, FunctionCallContent call, string reason, string error)
    {
        Log.ToolCallFailed(logger, key, call.Name, context.StepPath, reason);
        return new FunctionResultContent(call.CallId, error);
    }

    /// <summary>The approval's key within the step (its path is <c>{stepPath}/{key}</c>): the tool call key and the
    /// tool's name, in the characters approval keys allow.</summary>
    private static string ApprovalKey(string toolCallKey, string toolName)
    {
        var key = new StringBuilder(toolCallKey).Append('.');
        foreach (var c in toolName)
        {
            key.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return key.Length > 100 ? key.ToString(0, 100) : key.ToString();
    }

    private static TokenUsage Usage(UsageDetails? usage)
    {
        if (usage is null)
        {
            return new TokenUsage(0, 0, 0, 1);
        }

        var input = usage.InputTokenCount ?? 0;
        var output = usage.OutputTokenCount ?? 0;
        return new TokenUsage(input, output, usage.TotalTokenCount ?? input + output, 1);
    }

    private static AgentLimitExceededException Limit(
        StepContext context, ILogger logger, Activity? activity, AgentLimit limit, int turns, TokenUsage usage, List<ChatMessage> messages, string message)
    {
        Log.AgentLimitReached(logger, context.StepPath, context.InstanceId, message);
        activity?.SetStatus(ActivityStatusCode.Error, limit.ToString());
        var exception = new AgentLimitExceededException(limit, turns, usage, [.. messages], message);
        activity?.SetTag(AIInstrumentation.ErrorTypeTag, exception.ErrorType);
        return exception;
    }

    private static Activity? StartAgentActivity(StepContext context)
    {
        var activity = AIInstrumentation.Source.StartActivity("invoke_agent " + context.StepName, ActivityKind.Internal);
        activity?.SetTag(AIInstrumentation.OperationNameTag, "invoke_agent");
        activity?.SetTag(AIInstrumentation.AgentNameTag, context.StepName);
        activity?.SetTag(AIInstrumentation.WorkflowNameTag, context.WorkflowName);
        activity?.SetTag(AIInstrumentation.StepPathTag, context.StepPath);
        return activity;
    }

    private static Activity? StartToolActivity(StepContext context, FunctionCallContent call, AIFunction function)
    {
        var activity = AIInstrumentation.Source.StartActivity("execute_tool " + call.Name, ActivityKind.Internal);
        activity?.SetTag(AIInstrumentation.OperationNameTag, "execute_tool");
        activity?.SetTag(AIInstrumentation.ToolNameTag, function.Name);
        activity?.SetTag(AIInstrumentation.ToolCallIdTag, call.CallId);
        activity?.SetTag(AIInstrumentation.ToolTypeTag, "function");
        activity?.SetTag(AIInstrumentation.StepPathTag, context.StepPath);
        return activity;
    }
}
