namespace Workflow.Client;

/// <summary>An ephemeral update: progress a running step emitted with <c>StepContext.Emit</c>.</summary>
public sealed class StepProgressUpdate : WorkflowUpdate
{
    internal StepProgressUpdate(string instanceId, string stepPath, string? callId, string? message, object? data)
        : base(instanceId)
    {
        StepPath = stepPath;
        CallId = callId;
        Message = message;
        Data = data;
    }

    /// <summary>Gets the path of the step that emitted the update.</summary>
    public string StepPath { get; }

    /// <summary>Gets the id of the call within the step the update belongs to (a model call, a tool call), if any.</summary>
    public string? CallId { get; }

    /// <summary>Gets the progress message, if any.</summary>
    public string? Message { get; }

    /// <summary>Gets the data the step emitted, if any (for example a token delta). It is passed in process, not serialized.</summary>
    public object? Data { get; }

    /// <inheritdoc />
    public override bool IsDurable => false;
}
