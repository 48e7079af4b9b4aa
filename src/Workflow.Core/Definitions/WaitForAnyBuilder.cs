using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

/// <summary>Adds the first event of a <c>WaitForAny</c>; the first event's arm fixes the output type of every arm.</summary>
/// <typeparam name="TInput">The input type of the workflow.</typeparam>
/// <typeparam name="TCurrent">The value before the wait, the input of the timeout arm.</typeparam>
public sealed class WaitForAnyBuilder<TInput, TCurrent>
{
    private readonly WorkflowBuilder<TInput, TCurrent> _parent;
    private readonly string _name;
    private readonly TimeSpan? _timeout;

    internal WaitForAnyBuilder(WorkflowBuilder<TInput, TCurrent> parent, string name, TimeSpan? timeout)
    {
        _parent = parent;
        _name = name;
        _timeout = timeout;
    }

    /// <summary>Adds an event the wait accepts and the arm that continues with its payload.</summary>
    /// <typeparam name="TEvent">The event's payload type, the arm's input.</typeparam>
    /// <typeparam name="TOutput">The output of every arm of the wait.</typeparam>
    /// <param name="eventName">The event's name.</param>
    /// <param name="arm">Builds the arm.</param>
    /// <returns>The builder of the remaining events.</returns>
    public WaitForAnyBuilder<TInput, TCurrent, TOutput> On<TEvent, TOutput>(
        string eventName, Func<WorkflowBuilder<TInput, TEvent>, WorkflowBuilder<TInput, TOutput>> arm) =>
        new WaitForAnyBuilder<TInput, TCurrent, TOutput>(_parent, _name, _timeout).On(eventName, arm);
}

/// <summary>Adds further events of a <c>WaitForAny</c> and ends it.</summary>
/// <typeparam name="TInput">The input type of the workflow.</typeparam>
/// <typeparam name="TCurrent">The value before the wait, the input of the timeout arm.</typeparam>
/// <typeparam name="TOutput">The output of every arm.</typeparam>
public sealed class WaitForAnyBuilder<TInput, TCurrent, TOutput>
{
    private readonly WorkflowBuilder<TInput, TCurrent> _parent;
    private readonly string _name;
    private readonly TimeSpan? _timeout;
    private readonly List<WaitCase> _cases = [];
    private bool _ended;

    internal WaitForAnyBuilder(WorkflowBuilder<TInput, TCurrent> parent, string name, TimeSpan? timeout)
    {
        _parent = parent;
        _name = name;
        _timeout = timeout;
    }

    /// <summary>Adds an event the wait accepts and the arm that continues with its payload.</summary>
    /// <typeparam name="TEvent">The event's payload type, the arm's input.</typeparam>
    /// <param name="eventName">The event's name.</param>
    /// <param name="arm">Builds the arm.</param>
    /// <returns>This builder.</returns>
    public WaitForAnyBuilder<TInput, TCurrent, TOutput> On<TEvent>(
        string eventName, Func<WorkflowBuilder<TInput, TEvent>, WorkflowBuilder<TInput, TOutput>> arm)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(arm);
        EnsureOpen();
        _cases.Add(new WaitCase(eventName, typeof(TEvent), _parent.BuildNested(arm)));
        return this;
    }

    /// <summary>Adds the arm taken when the timeout passes first, and ends the wait.</summary>
    /// <param name="arm">Builds the arm; its input is the value before the wait.</param>
    /// <returns>The builder for the step after the wait.</returns>
    public WorkflowBuilder<TInput, TOutput> OnTimeout(Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        EnsureOpen();
        return End(_parent.BuildNested(arm));
    }

    /// <summary>Ends the wait; if it has a timeout and the timeout passes first, the instance fails with the error type
    /// <c>Workflow.WaitTimedOut</c>.</summary>
    /// <returns>The builder for the step after the wait.</returns>
    public WorkflowBuilder<TInput, TOutput> EndWait()
    {
        EnsureOpen();
        return End(onTimeout: null);
    }

    private WorkflowBuilder<TInput, TOutput> End(FlowBlock? onTimeout)
    {
        _ended = true;
        return _parent.Append<TOutput>(new WaitNode(_name, typeof(TCurrent), typeof(TOutput), _cases, _timeout, onTimeout));
    }

    private void EnsureOpen()
    {
        if (_ended)
        {
            throw new InvalidOperationException($"Wait '{_name}' has already ended; continue from the builder OnTimeout() or EndWait() returned.");
        }
    }
}
