namespace Workflow.Definitions;

/// <summary>Whether an instance that got as far as one node of the old version can move to the new one.</summary>
public sealed class StepCompatibility
{
    internal StepCompatibility(string name, bool isCompatible, string? reason)
    {
        Name = name;
        IsCompatible = isCompatible;
        Reason = reason;
    }

    /// <summary>Gets the name of the node (a step, a branch, a wait...).</summary>
    public string Name { get; }

    /// <summary>Gets a value indicating whether an instance that completed this node (and none after it) can move.</summary>
    public bool IsCompatible { get; }

    /// <summary>Gets why it cannot, or <see langword="null"/> when it can.</summary>
    public string? Reason { get; }

    /// <inheritdoc />
    public override string ToString() => IsCompatible ? $"{Name}: compatible" : $"{Name}: incompatible, {Reason}";
}
