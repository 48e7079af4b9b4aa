using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

public sealed partial class WorkflowBuilder<TInput, TCurrent>
{
    /// <summary>Waits durably for the external event <paramref name="name"/> and continues with its payload. An
    /// event raised before the workflow gets here is kept and consumed when it does (several: first raised, first
    /// consumed). Raise it with <c>IWorkflowClient.RaiseEventAsync</c>; a payload that does not deserialize to
    /// <typeparamref name="TEvent"/> is rejected at raise.</summary>
    /// <typeparam name="TEvent">The event's payload type, the wait's output.</typeparam>
    /// <param name="name">The wait's name and the event's name, unique in the workflow.</param>
    /// <param name="timeout">How long to wait from when the workflow gets here, or <see langword="null"/> to wait forever.</param>
    /// <param name="onTimeout">Builds the arm taken on timeout, which must produce a <typeparamref name="TEvent"/>;
    /// without it a timeout fails the instance with the error type <c>Workflow.WaitTimedOut</c>.</param>
    /// <returns>The builder for the step after the wait.</returns>
    public WorkflowBuilder<TInput, TEvent> WaitForEvent<TEvent>(
        string name, TimeSpan? timeout = null, Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TEvent>>? onTimeout = null)
    {
        var timeoutArm = onTimeout is null ? null : BuildNested(onTimeout);
        WaitCase[] cases = [new WaitCase(name, typeof(TEvent), new FlowBlock(typeof(TEvent)))];
        return Append<TEvent>(new WaitNode(name, typeof(TCurrent), typeof(TEvent), cases, timeout, timeoutArm));
    }

    /// <summary>Waits durably for whichever of several named events comes first; add the events with <c>On</c>,
    /// then end with <c>OnTimeout</c> or <c>EndWait</c>.</summary>
    /// <param name="name">The wait's name, unique in the workflow; it is part of the step path of the arms' steps.</param>
    /// <param name="timeout">How long to wait from when the workflow gets here, or <see langword="null"/> to wait forever.</param>
    /// <returns>The builder of the wait's events.</returns>
    public WaitForAnyBuilder<TInput, TCurrent> WaitForAny(string name, TimeSpan? timeout = null) => new(this, name, timeout);

    /// <summary>Pauses durably for <paramref name="duration"/>: a timer that survives restarts and fires once.</summary>
    /// <param name="name">The delay's name, unique in the workflow.</param>
    /// <param name="duration">How long to wait from when the workflow gets here; zero or more.</param>
    /// <returns>The builder for the step after the delay, whose input is unchanged.</returns>
    public WorkflowBuilder<TInput, TCurrent> Delay(string name, TimeSpan duration) =>
        Append<TCurrent>(new DelayNode(name, typeof(TCurrent), duration, until: null));

    /// <summary>Pauses durably until a point in time computed from the current value; a time in the past fires at once.</summary>
    /// <param name="name">The delay's name, unique in the workflow.</param>
    /// <param name="until">Computes when to go on; it must depend only on its argument.</param>
    /// <returns>The builder for the step after the delay, whose input is unchanged.</returns>
    public WorkflowBuilder<TInput, TCurrent> DelayUntil(string name, Func<TCurrent, DateTimeOffset> until)
    {
        ArgumentNullException.ThrowIfNull(until);
        return Append<TCurrent>(new DelayNode(name, typeof(TCurrent), duration: null, input => until((TCurrent)input!)));
    }
}
