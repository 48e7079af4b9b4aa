using System.Globalization;
using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

/// <summary>Adds the first case of a switch; the first case fixes the output type of every arm.</summary>
/// <typeparam name="TInput">The input type of the workflow.</typeparam>
/// <typeparam name="TCurrent">The value the switch chooses on.</typeparam>
/// <typeparam name="TKey">The type of the key.</typeparam>
public sealed class SwitchBuilder<TInput, TCurrent, TKey>
    where TKey : notnull
{
    private readonly WorkflowBuilder<TInput, TCurrent> _parent;
    private readonly string _name;
    private readonly Func<TCurrent, TKey> _selector;

    internal SwitchBuilder(WorkflowBuilder<TInput, TCurrent> parent, string name, Func<TCurrent, TKey> selector)
    {
        _parent = parent;
        _name = name;
        _selector = selector;
    }

    /// <summary>Adds the arm taken when the key equals <paramref name="key"/>.</summary>
    /// <typeparam name="TOutput">The output of every arm of the switch.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="arm">Builds the arm.</param>
    /// <returns>The builder of the remaining cases.</returns>
    public SwitchBuilder<TInput, TCurrent, TKey, TOutput> Case<TOutput>(
        TKey key, Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> arm)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(arm);
        return new SwitchBuilder<TInput, TCurrent, TKey, TOutput>(_parent, _name, _selector)
            .Case(key, arm);
    }
}

/// <summary>Adds further cases of a switch and ends it.</summary>
/// <typeparam name="TInput">The input type of the workflow.</typeparam>
/// <typeparam name="TCurrent">The value the switch chooses on.</typeparam>
/// <typeparam name="TKey">The type of the key.</typeparam>
/// <typeparam name="TOutput">The output of every arm.</typeparam>
public sealed class SwitchBuilder<TInput, TCurrent, TKey, TOutput>
    where TKey : notnull
{
    private readonly WorkflowBuilder<TInput, TCurrent> _parent;
    private readonly string _name;
    private readonly Func<TCurrent, TKey> _selector;
    private readonly List<BranchArm> _arms = [];
    private bool _ended;

    internal SwitchBuilder(WorkflowBuilder<TInput, TCurrent> parent, string name, Func<TCurrent, TKey> selector)
    {
        _parent = parent;
        _name = name;
        _selector = selector;
    }

    /// <summary>Adds the arm taken when the key equals <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="arm">Builds the arm.</param>
    /// <returns>This builder.</returns>
    public SwitchBuilder<TInput, TCurrent, TKey, TOutput> Case(
        TKey key, Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> arm)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(arm);
        EnsureOpen();
        _arms.Add(new BranchArm(KeyOf(key), _parent.BuildNested(arm)));
        return this;
    }

    /// <summary>Adds the arm taken when no case matches, and ends the switch.</summary>
    /// <param name="arm">Builds the arm.</param>
    /// <returns>The builder for the step after the switch.</returns>
    public WorkflowBuilder<TInput, TOutput> Default(Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        EnsureOpen();
        return End(new BranchArm(BranchNode.DefaultArmKey, _parent.BuildNested(arm)));
    }

    /// <summary>Ends the switch without a default arm: an instance whose key matches no case fails.</summary>
    /// <returns>The builder for the step after the switch.</returns>
    public WorkflowBuilder<TInput, TOutput> EndSwitch()
    {
        EnsureOpen();
        return End(defaultArm: null);
    }

    private WorkflowBuilder<TInput, TOutput> End(BranchArm? defaultArm)
    {
        _ended = true;
        var selector = _selector;
        return _parent.Append<TOutput>(new BranchNode(
            _name, typeof(TCurrent), typeof(TOutput), input => KeyOf(selector((TCurrent)input!)), _arms, defaultArm, isSwitch: true));
    }

    private void EnsureOpen()
    {
        if (_ended)
        {
            throw new InvalidOperationException($"Switch '{_name}' has already ended; continue from the builder Default() or EndSwitch() returned.");
        }
    }

    internal static string KeyOf(TKey key) => key switch
    {
        null => throw new InvalidOperationException("A switch key must not be null."),
        string s => s,
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString() ?? string.Empty,
    };
}
