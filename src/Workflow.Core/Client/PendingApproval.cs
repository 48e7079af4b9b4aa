using System.Text.Json;

namespace Workflow.Client;

/// <summary>An approval waiting for an answer.</summary>
public sealed class PendingApproval
{
    /// <summary>Initializes a pending approval. The runtime and stores create these; callers read them.</summary>
    /// <param name="instanceId">The instance that waits.</param>
    /// <param name="workflowName">The instance's workflow.</param>
    /// <param name="stepPath">The approval's path.</param>
    /// <param name="request">What is to be approved, as JSON.</param>
    /// <param name="requestedAt">When it was requested.</param>
    /// <param name="deadline">When it times out, or <see langword="null"/>.</param>
    public PendingApproval(string instanceId, string workflowName, string stepPath, JsonElement request, DateTimeOffset requestedAt, DateTimeOffset? deadline)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(workflowName);
        ArgumentException.ThrowIfNullOrEmpty(stepPath);
        InstanceId = instanceId;
        WorkflowName = workflowName;
        StepPath = stepPath;
        Request = request;
        RequestedAt = requestedAt;
        Deadline = deadline;
    }

    /// <summary>Gets the instance that waits.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the instance's workflow.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the approval's path, which answering it addresses.</summary>
    public string StepPath { get; }

    /// <summary>Gets what is to be approved, as JSON.</summary>
    public JsonElement Request { get; }

    /// <summary>Gets when the approval was requested.</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>Gets when it times out, or <see langword="null"/> when it waits forever.</summary>
    public DateTimeOffset? Deadline { get; }
}
