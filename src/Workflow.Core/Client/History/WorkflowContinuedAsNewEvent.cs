using System.Text.Json;
using Workflow.Runtime;

namespace Workflow.Client;

/// <summary>
/// The instance continued as new: a loop declared with <c>continueAsNewEvery</c> replaced the journal with this event,
/// which carries the loop's value and next iteration. It is the first event of the instance's history from then on;
/// what came before it is gone, so the history stays bounded however long the loop runs.
/// </summary>
public sealed class WorkflowContinuedAsNewEvent : WorkflowHistoryEvent
{
    internal WorkflowContinuedAsNewEvent(
        string instanceId, long position, DateTimeOffset timestamp, string workflowName, int workflowVersion, JsonElement input, string? traceParent,
        string? traceState, ParentLink? parent, DateTimeOffset startedAt, int generation, string loopPath, int iteration, JsonElement value)
        : base(instanceId, position, timestamp, "workflow.continued_as_new.v1")
    {
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
        Input = input;
        TraceParent = traceParent;
        TraceState = traceState;
        Parent = parent;
        StartedAt = startedAt;
        Generation = generation;
        LoopPath = loopPath;
        Iteration = iteration;
        Value = value;
    }

    /// <summary>Gets the name of the definition.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the version of the definition the instance runs.</summary>
    public int WorkflowVersion { get; }

    /// <summary>Gets the instance's original input, as JSON.</summary>
    public JsonElement Input { get; }

    /// <summary>Gets when the instance first started (a workflow deadline still counts from then).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets how many times the instance has continued as new, this time included.</summary>
    public int Generation { get; }

    /// <summary>Gets the path of the loop that goes on.</summary>
    public string LoopPath { get; }

    /// <summary>Gets the iteration the loop goes on with (counted from the first start, from 0).</summary>
    public int Iteration { get; }

    /// <summary>Gets the loop's value: the input of <see cref="Iteration"/>, as JSON.</summary>
    public JsonElement Value { get; }

    internal string? TraceParent { get; }

    internal string? TraceState { get; }

    internal ParentLink? Parent { get; }
}
