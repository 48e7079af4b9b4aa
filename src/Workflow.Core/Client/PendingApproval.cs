using System.Text.Json;

namespace Workflow.Client;

/// <summary>An approval waiting for an answer.</summary>
public sealed class PendingApproval
{
    internal PendingApproval(string instanceId, string stepPath, JsonElement request, DateTimeOffset requestedAt, DateTimeOffset? deadline)
    {
        InstanceId = instanceId;
        StepPath = stepPath;
        Request = request;
        RequestedAt = requestedAt;
        Deadline = deadline;
    }

    /// <summary>Gets the instance that waits.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the approval's path, which answering it addresses.</summary>
    public string StepPath { get; }

    /// <summary>Gets what is to be approved, as JSON.</summary>
    public JsonElement Request { get; }

    /// <summary>Gets when the approval was requested.</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>Gets when it times out, or <see langword="null"/> when it waits forever.</summary>
    public DateTimeOffset? Deadline { get; }
}
