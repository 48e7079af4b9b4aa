using System.Text.Json;

namespace Workflow.Client;

/// <summary>The workflow asked a person to approve something, addressed by <see cref="Path"/>.</summary>
public sealed class ApprovalRequestedEvent : WorkflowHistoryEvent
{
    internal ApprovalRequestedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, JsonElement request, DateTimeOffset? deadline)
        : base(instanceId, position, timestamp, "approval.requested.v1")
    {
        Path = path;
        Request = request;
        Deadline = deadline;
    }

    /// <summary>Gets the approval's path: the step path of the approval (or of the step that asked, plus its key).</summary>
    public string Path { get; }

    /// <summary>Gets what is to be approved, as JSON.</summary>
    public JsonElement Request { get; }

    /// <summary>Gets when the approval times out, or <see langword="null"/> when it waits forever.</summary>
    public DateTimeOffset? Deadline { get; }
}
