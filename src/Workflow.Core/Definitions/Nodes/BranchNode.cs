namespace Workflow.Definitions.Nodes;

/// <summary>Takes one of several arms, chosen by a selector; the arm taken is journaled so replay never re-evaluates it.</summary>
internal sealed class BranchNode(string name, Type inputType, Type outputType, Func<object?, string> selectArm, IReadOnlyList<BranchArm> arms, BranchArm? defaultArm, bool isSwitch)
    : FlowNode(name, inputType, outputType)
{
    /// <summary>The journaled key of the default arm of a switch.</summary>
    public const string DefaultArmKey = "(default)";

    public Func<object?, string> SelectArm { get; } = selectArm;

    public IReadOnlyList<BranchArm> Arms { get; } = arms;

    public BranchArm? DefaultArm { get; } = defaultArm;

    public bool IsSwitch { get; } = isSwitch;

    public override IEnumerable<FlowBlock> Children =>
        DefaultArm is null ? Arms.Select(static a => a.Block) : Arms.Select(static a => a.Block).Append(DefaultArm.Block);

    public BranchArm? FindArm(string key)
    {
        foreach (var arm in Arms)
        {
            if (string.Equals(arm.Key, key, StringComparison.Ordinal))
            {
                return arm;
            }
        }

        return string.Equals(key, DefaultArmKey, StringComparison.Ordinal) ? DefaultArm : null;
    }
}

internal sealed record BranchArm(string Key, FlowBlock Block);
