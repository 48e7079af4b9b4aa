namespace Workflow.Client;

/// <summary>A branch or switch chose an arm; a replay takes the same arm.</summary>
public sealed class BranchTakenEvent : WorkflowHistoryEvent
{
    internal BranchTakenEvent(string instanceId, long position, DateTimeOffset timestamp, string path, string arm)
        : base(instanceId, position, timestamp, "branch.taken.v1")
    {
        Path = path;
        Arm = arm;
    }

    /// <summary>Gets the path of the branch.</summary>
    public string Path { get; }

    /// <summary>Gets the arm taken: <c>true</c> or <c>false</c> for a branch, the case key (or <c>(default)</c>) for a switch.</summary>
    public string Arm { get; }
}
