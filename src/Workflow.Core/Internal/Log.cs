using Microsoft.Extensions.Logging;
using Workflow.Telemetry;

namespace Workflow.Internal;

internal static partial class Log
{
    [LoggerMessage(WorkflowEventId.RuntimeStarted, LogLevel.Information, "Workflow runtime started on node {NodeId} with {DefinitionCount} definition(s).")]
    public static partial void RuntimeStarted(ILogger logger, string nodeId, int definitionCount);

    [LoggerMessage(WorkflowEventId.RuntimeStopped, LogLevel.Information, "Workflow runtime stopped on node {NodeId}.")]
    public static partial void RuntimeStopped(ILogger logger, string nodeId);

    [LoggerMessage(WorkflowEventId.StoreError, LogLevel.Warning, "The workflow store failed while {Operation}; retrying.")]
    public static partial void StoreError(ILogger logger, Exception exception, string operation);

    [LoggerMessage(WorkflowEventId.StepsAbandoned, LogLevel.Warning, "Shutdown deadline passed with {Count} instance run(s) still in a step; their leases were released and their steps will run again elsewhere.")]
    public static partial void StepsAbandoned(ILogger logger, int count);

    [LoggerMessage(WorkflowEventId.InstanceStarted, LogLevel.Debug, "Workflow {WorkflowName} v{WorkflowVersion} instance {InstanceId} started.")]
    public static partial void InstanceStarted(ILogger logger, string workflowName, int workflowVersion, string instanceId);

    [LoggerMessage(WorkflowEventId.InstanceCompleted, LogLevel.Debug, "Workflow {WorkflowName} instance {InstanceId} completed.")]
    public static partial void InstanceCompleted(ILogger logger, string workflowName, string instanceId);

    [LoggerMessage(WorkflowEventId.InstanceContinuedAsNew, LogLevel.Debug, "Workflow {WorkflowName} instance {InstanceId} continued as new at iteration {Iteration} of loop {LoopPath}.")]
    public static partial void InstanceContinuedAsNew(ILogger logger, string workflowName, string instanceId, string loopPath, int iteration);

    [LoggerMessage(WorkflowEventId.InstanceFailed, LogLevel.Warning, "Workflow {WorkflowName} instance {InstanceId} failed at step {StepPath}: {ErrorType}: {Message}")]
    public static partial void InstanceFailed(ILogger logger, string workflowName, string instanceId, string? stepPath, string errorType, string message);

    [LoggerMessage(WorkflowEventId.InstanceCanceled, LogLevel.Information, "Workflow {WorkflowName} instance {InstanceId} was canceled.")]
    public static partial void InstanceCanceled(ILogger logger, string workflowName, string instanceId);

    [LoggerMessage(WorkflowEventId.LeaseLost, LogLevel.Warning, "Node {NodeId} lost the lease of instance {InstanceId}; another node continues it and nothing more of this run is written.")]
    public static partial void LeaseLost(ILogger logger, string nodeId, string instanceId);

    [LoggerMessage(WorkflowEventId.Nondeterminism, LogLevel.Error, "Instance {InstanceId} cannot be replayed on its definition; it is retried in {RetryDelay}.")]
    public static partial void Nondeterminism(ILogger logger, Exception exception, string instanceId, TimeSpan retryDelay);

    [LoggerMessage(WorkflowEventId.DefinitionMissing, LogLevel.Error, "Instance {InstanceId} runs workflow {WorkflowName} v{WorkflowVersion}, which is not registered on node {NodeId}; it is retried in {RetryDelay}.")]
    public static partial void DefinitionMissing(ILogger logger, string instanceId, string workflowName, int workflowVersion, string nodeId, TimeSpan retryDelay);

    [LoggerMessage(WorkflowEventId.RunError, LogLevel.Error, "The run of instance {InstanceId} failed unexpectedly; it is retried in {RetryDelay}.")]
    public static partial void RunError(ILogger logger, Exception exception, string instanceId, TimeSpan retryDelay);

    [LoggerMessage(WorkflowEventId.StepRetrying, LogLevel.Information, "Step {StepPath} of instance {InstanceId} failed on attempt {Attempt}; retrying in {RetryDelay}.")]
    public static partial void StepRetrying(ILogger logger, Exception exception, string stepPath, string instanceId, int attempt, TimeSpan retryDelay);

    [LoggerMessage(WorkflowEventId.StepFailed, LogLevel.Warning, "Step {StepPath} of instance {InstanceId} failed on attempt {Attempt}.")]
    public static partial void StepFailed(ILogger logger, Exception exception, string stepPath, string instanceId, int attempt);

    [LoggerMessage(WorkflowEventId.CompensationFailed, LogLevel.Error, "The compensation of step {StepPath} of instance {InstanceId} failed on attempt {Attempt}; the other compensations still run.")]
    public static partial void CompensationFailed(ILogger logger, Exception exception, string stepPath, string instanceId, int attempt);

    [LoggerMessage(WorkflowEventId.StepCompleted, LogLevel.Trace, "Step {StepPath} of instance {InstanceId} completed with output {Output}.")]
    public static partial void StepCompleted(ILogger logger, string stepPath, string instanceId, string output);
}
