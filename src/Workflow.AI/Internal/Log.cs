using Microsoft.Extensions.Logging;
using Workflow.AI.Telemetry;

namespace Workflow.AI.Internal;

internal static partial class Log
{
    [LoggerMessage(WorkflowAIEventId.ModelCallJournaled, LogLevel.Debug, "Model call {CallId} of step {StepPath} in instance {InstanceId} was journaled ({InputTokens} input and {OutputTokens} output tokens).")]
    public static partial void ModelCallJournaled(ILogger logger, string callId, string stepPath, string instanceId, long inputTokens, long outputTokens);

    [LoggerMessage(WorkflowAIEventId.ModelCallReplayed, LogLevel.Debug, "Model call {CallId} of step {StepPath} in instance {InstanceId} was answered from the journal; the model was not called.")]
    public static partial void ModelCallReplayed(ILogger logger, string callId, string stepPath, string instanceId);

    [LoggerMessage(WorkflowAIEventId.ModelCallRequestChanged, LogLevel.Warning, "Model call {CallId} of step {StepPath} in instance {InstanceId} was journaled for a different request than the step makes now (its prompt, tools or options changed, or depend on something that is not deterministic). The journaled response is used, because a completed model call is never repeated.")]
    public static partial void ModelCallRequestChanged(ILogger logger, string callId, string stepPath, string instanceId);

    [LoggerMessage(WorkflowAIEventId.ModelCallStreamRetried, LogLevel.Warning, "The stream of model call {CallId} of step {StepPath} was cut ({Reason}); calling the model again (retry {Retry} of {MaxRetries}).")]
    public static partial void StreamRetrying(ILogger logger, string callId, string stepPath, int retry, int maxRetries, string reason);

    [LoggerMessage(WorkflowAIEventId.ProviderRetrying, LogLevel.Warning, "Chat provider {Provider} failed ({Reason}); retry {Retry} in {Delay}.")]
    public static partial void ProviderRetrying(ILogger logger, Exception? exception, string provider, string reason, int retry, TimeSpan delay);

    [LoggerMessage(WorkflowAIEventId.ProviderFailingOver, LogLevel.Warning, "Chat provider {Provider} failed ({Reason}); trying {NextProvider}.")]
    public static partial void ProviderFailingOver(ILogger logger, string provider, string reason, string nextProvider);

    [LoggerMessage(WorkflowAIEventId.ProvidersUnavailable, LogLevel.Error, "Every chat provider of {Chain} failed: {Failures}")]
    public static partial void ProvidersUnavailable(ILogger logger, string chain, string failures);

    [LoggerMessage(WorkflowAIEventId.CircuitOpened, LogLevel.Warning, "The circuit of chat provider {Provider} opened for {BreakDuration}: calls skip it until then.")]
    public static partial void CircuitOpened(ILogger logger, string provider, TimeSpan breakDuration);

    [LoggerMessage(WorkflowAIEventId.CircuitClosed, LogLevel.Information, "The circuit of chat provider {Provider} closed.")]
    public static partial void CircuitClosed(ILogger logger, string provider);

    [LoggerMessage(WorkflowAIEventId.ToolCallFailed, LogLevel.Information, "Tool call {ToolCallKey} ({Tool}) of step {StepPath} failed ({Reason}); the error was reported to the model.")]
    public static partial void ToolCallFailed(ILogger logger, string toolCallKey, string tool, string stepPath, string reason);

    [LoggerMessage(WorkflowAIEventId.ToolCallRejected, LogLevel.Information, "Tool call {ToolCallKey} ({Tool}) of step {StepPath} was rejected by {By}; the rejection was reported to the model.")]
    public static partial void ToolCallRejected(ILogger logger, string toolCallKey, string tool, string stepPath, string by);

    [LoggerMessage(WorkflowAIEventId.AgentLimitReached, LogLevel.Warning, "The agent of step {StepPath} in instance {InstanceId} stopped: {Reason}")]
    public static partial void AgentLimitReached(ILogger logger, string stepPath, string instanceId, string reason);

    [LoggerMessage(WorkflowAIEventId.StructuredOutputRepair, LogLevel.Information, "The reply of step {StepPath} does not match the schema of {TypeName} ({Problems}); asking the model to repair it (repair {Repair} of {MaxRepairs}).")]
    public static partial void StructuredOutputRepair(ILogger logger, string stepPath, string typeName, string problems, int repair, int maxRepairs);

    [LoggerMessage(WorkflowAIEventId.ModelReply, LogLevel.Trace, "Model call {CallId} of step {StepPath} replied: {Reply}")]
    public static partial void ModelReply(ILogger logger, string callId, string stepPath, string reply);
}
