namespace Workflow.Client;

/// <summary>A completed step's compensation ran.</summary>
public sealed class StepCompensatedEvent : WorkflowHistoryEvent
{
    internal StepCompensatedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, int attempt)
        : base(instanceId, position, timestamp, "step.compensated.v1")
    {
        StepPath = stepPath;
        Attempt = attempt;
    }

    /// <summary>Gets the path of the compensated step.</summary>
    public string StepPath { get; }

    /// <summary>Gets the attempt of the compensation that succeeded, from 1.</summary>
    public int Attempt { get; }
}
