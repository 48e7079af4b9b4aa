namespace Workflow.Client;

/// <summary>An iteration of a loop ended, with the decision whether to go on.</summary>
public sealed class LoopIterationCompletedEvent : WorkflowHistoryEvent
{
    internal LoopIterationCompletedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, int iteration, bool continues, bool limitReached)
        : base(instanceId, position, timestamp, "loop.iteration_completed.v1")
    {
        Path = path;
        Iteration = iteration;
        Continues = continues;
        LimitReached = limitReached;
    }

    /// <summary>Gets the path of the loop.</summary>
    public string Path { get; }

    /// <summary>Gets the iteration that ended, from 0.</summary>
    public int Iteration { get; }

    /// <summary>Gets a value indicating whether another iteration follows.</summary>
    public bool Continues { get; }

    /// <summary>Gets a value indicating whether the loop ended because it reached its maximum number of iterations.</summary>
    public bool LimitReached { get; }
}
