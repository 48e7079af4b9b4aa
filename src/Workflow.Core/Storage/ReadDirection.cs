namespace Workflow.Storage;

/// <summary>The direction in which a stream is read.</summary>
public enum ReadDirection
{
    /// <summary>From older to newer events: versions ascending.</summary>
    Forward = 0,

    /// <summary>From newer to older events: versions descending.</summary>
    Backward = 1,
}
