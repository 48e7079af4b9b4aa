using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;
using Workflow.Internal;
using Workflow.Runtime.Journal;
using Workflow.Storage;
using Workflow.Telemetry;

namespace Workflow.Runtime;

/// <summary>
/// One run of an instance on this node, under one lease: it walks the definition from the start, replaying what
/// the journal holds and running what it does not, until the instance ends or the run must stop.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The run disposes its token source when RunAsync ends; the semaphore never allocates a wait handle.")]
internal sealed partial class InstanceRun
{
    private readonly InstanceState _state;
    private readonly CancellationTokenSource _runCts = new();
    private CancellationTokenSource? _fenceCts;
    private readonly object? _liveInput;
    private readonly bool _hasLiveInput;
    private object? _input;
    private bool _inputLoaded;
    private volatile bool _stopRequested;
    private volatile string? _fencedReason;
    private readonly bool _replayOnly;
    private HashSet<string>? _replayed;

    public InstanceRun(WorkflowRuntime runtime, WorkflowDefinition definition, InstanceState state, WorkLease lease, object? liveInput, bool hasLiveInput, bool replayOnly = false)
    {
        _replayOnly = replayOnly;
        Runtime = runtime;
        Definition = definition;
        _state = state;
        Lease = lease;
        _liveInput = liveInput;
        _hasLiveInput = hasLiveInput;
    }

    public WorkflowRuntime Runtime { get; }

    public WorkflowDefinition Definition { get; }

    public WorkLease Lease { get; }

    public string InstanceId => _state.InstanceId;

    private ILogger Logger => Runtime.Logger;

    /// <summary>Runs the instance until it ends or the run has to stop; never throws.</summary>
    public async Task RunAsync()
    {
        using var activity = StartRunActivity();
        using var deadlineTimer = StartDeadlineTimer();
        try
        {
            if (_state.Status.IsTerminal())
            {
                await CommitAsync([], complete: true, status: null).ConfigureAwait(false);
                return;
            }

            if (_state.CompensatingForCancel is { } canceled)
            {
                // A run that was compensating stopped (a crash, a deploy): carry on where it was.
                await EndAsync(canceled ? null : _state.CompensationFailure, stepPath: null, attempt: 0, activity).ConfigureAwait(false);
                return;
            }

            if (_state.CancelRequested)
            {
                await EndAsync(failure: null, stepPath: null, attempt: 0, activity).ConfigureAwait(false);
                return;
            }

            if (DeadlinePassed)
            {
                await EndAsync(DeadlineFailure(), stepPath: null, attempt: 0, activity).ConfigureAwait(false);
                return;
            }

            var output = await RunRootAsync(_runCts.Token).ConfigureAwait(false);
            byte[] bytes;
            try
            {
                bytes = Runtime.Serialize(output, Definition.OutputType, "the workflow output");
            }
            catch (WorkflowSerializationException ex)
            {
                throw new StepFailureSignal(Definition.Root.Nodes[^1].Name, 1, Runtime.FailureConverter.ToFailure(ex), ex);
            }

            await CommitAsync([JournalCodec.EncodeWorkflowCompleted(Runtime.NewEventId(), bytes)], complete: true, WorkflowStatus.Completed).ConfigureAwait(false);
            WorkflowInstrumentation.Completed.Add(1, new KeyValuePair<string, object?>(WorkflowInstrumentation.WorkflowNameTag, Definition.Name));
            activity?.SetStatus(ActivityStatusCode.Ok);
            Log.InstanceCompleted(Logger, Definition.Name, InstanceId);
        }
        catch (Exception ex) when (_fencedReason is not null || ex is RunFencedSignal)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "lease lost");
            Log.LeaseLost(Logger, Runtime.NodeId, InstanceId);
        }
        catch (Exception) when (_state.Status == WorkflowStatus.Terminated)
        {
            // Terminated by a caller while running: stop at once, write nothing, end the lease.
            activity?.SetStatus(ActivityStatusCode.Error, "terminated");
            await FinishSafelyAsync(() => CommitAsync([], complete: true, status: null)).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is OperationCanceledException or StepFailureSignal or SuspendSignal) && _state.CancelRequested)
        {
            await FinishSafelyAsync(() => EndAsync(failure: null, stepPath: null, attempt: 0, activity)).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is OperationCanceledException or StepFailureSignal or SuspendSignal) && DeadlinePassed)
        {
            await FinishSafelyAsync(() => EndAsync(DeadlineFailure(), stepPath: null, attempt: 0, activity)).ConfigureAwait(false);
        }
        catch (SuspendSignal suspend)
        {
            // Waiting for an event or a timer: journal the decisions so far, end the lease, and run again at the
            // wake-up time (an event raised meanwhile schedules its own wake-up), or at the workflow's deadline.
            var wakeAt = SuspendSignal.Earliest(suspend.WakeAt, Deadline);
            await FinishSafelyAsync(() => CommitAsync([], complete: true, status: null, wakeAt)).ConfigureAwait(false);
            activity?.SetTag("workflow.suspended", true);

            // An event raised while this run held the lease left the work item runnable: claim it now, not at the next poll.
            Runtime.Wake();
        }
        catch (StepFailureSignal failure)
        {
            await FinishSafelyAsync(() => EndAsync(failure.Failure, failure.StepPath, failure.Attempt, activity)).ConfigureAwait(false);
        }
        catch (ContinueAsNewSignal next)
        {
            await FinishSafelyAsync(() => ContinueAsNewAsync(next, activity)).ConfigureAwait(false);
        }
        catch (RunStoppingSignal)
        {
            if (HasDeferredSteps)
            {
                // Completions that wait for the next commit: journal them as the lease ends, so the next run does not
                // repeat their steps.
                await FinishSafelyAsync(() => CommitAsync([], complete: true, status: null, Runtime.TimeProvider.GetUtcNow())).ConfigureAwait(false);
            }
            else
            {
                await ReleaseAsync(dueAt: null).ConfigureAwait(false);
            }
        }
        catch (WorkflowNondeterminismException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Log.Nondeterminism(Logger, ex, InstanceId, Runtime.Options.BlockedInstanceRetryDelay);
            await ReleaseAsync(Runtime.TimeProvider.GetUtcNow() + Runtime.Options.BlockedInstanceRetryDelay).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The store failed or something unforeseen happened: nothing is lost, the instance runs again later.
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Log.RunError(Logger, ex, InstanceId, Runtime.Options.PollInterval);
            await ReleaseAsync(Runtime.TimeProvider.GetUtcNow() + Runtime.Options.PollInterval).ConfigureAwait(false);
        }
        finally
        {
            _runCts.Dispose();
            _fenceCts?.Dispose();
            if (_sawExternalEvents)
            {
                Runtime.Wake();
            }
        }
    }

    /// <summary>Gets a token canceled only when the run is fenced off (lease lost, abandoned at shutdown): what must
    /// go on after a cancel request, such as compensations, runs with it.</summary>
    private CancellationToken FenceToken
    {
        get
        {
            var source = LazyInitializer.EnsureInitialized(ref _fenceCts);
            if (_fencedReason is not null)
            {
                source.Cancel();
            }

            return source.Token;
        }
    }

    /// <summary>Stops the run at the next step boundary; steps in flight finish and are journaled.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>Fences the run off: it writes nothing more, and its steps see their token canceled.</summary>
    public void Fence(string reason)
    {
        _fencedReason ??= reason;
        CancelSteps();
        try
        {
            Volatile.Read(ref _fenceCts)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended.
        }
    }

    /// <summary>Abandons the run at shutdown: its steps are canceled, nothing more is written and the lease is released.</summary>
    public async Task AbandonAsync()
    {
        Fence("abandoned at shutdown");
        await _journalGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await Runtime.Store.ReleaseAsync(Lease).ConfigureAwait(false);
        }
        finally
        {
            _journalGate.Release();
        }
    }

    public T GetInput<T>()
    {
        var input = LoadInput();
        return input is T typed ? typed : (T)_state.Input.Deserialize(Runtime.GetTypeInfo(typeof(T)))!;
    }

    public bool TryGetStepOutput<T>(RunScope scope, string stepName, out T value)
    {
        if (ResolveStepPath(scope, stepName) is { } path && _state.TryGetStep(path, out var step))
        {
            value = step.HasLiveValue && step.LiveValue is T live
                ? live
                : (T)step.Output.Deserialize(Runtime.GetTypeInfo(typeof(T)))!;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>The path of a step as seen from a scope: its containers' names, and for a for-each item or a loop
    /// iteration the index of the one the scope is in. A step in a repeated container the scope is not in has no
    /// single path, so it is not found.</summary>
    private string? ResolveStepPath(RunScope scope, string stepName)
    {
        if (!Definition.TryFindStep(stepName, out _, out var containers))
        {
            return null;
        }

        var current = scope.Prefix is null ? [] : scope.Prefix.Split('/');
        var segments = new List<string>(containers.Length + 1);
        foreach (var container in containers)
        {
            if (container is ForEachNode or LoopNode)
            {
                var indexed = Array.Find(current, s => s.Length > container.Name.Length && s.StartsWith(container.Name, StringComparison.Ordinal) && s[container.Name.Length] == '[');
                if (indexed is null)
                {
                    return null;
                }

                segments.Add(indexed);
            }
            else
            {
                segments.Add(container.Name);
            }
        }

        segments.Add(stepName);
        return string.Join('/', segments);
    }

    public void Publish(string stepPath, string? callId, string? message, object? data)
    {
        if (Runtime.Updates.HasSubscribers(InstanceId))
        {
            Runtime.Updates.Publish(new StepProgressUpdate(InstanceId, stepPath, callId, message, data));
        }
    }

    public void PublishReset(string stepPath, string callId)
    {
        if (Runtime.Updates.HasSubscribers(InstanceId))
        {
            Runtime.Updates.Publish(new StepStreamResetUpdate(InstanceId, stepPath, callId));
        }
    }

    private object? LoadInput()
    {
        if (!_inputLoaded)
        {
            _input = _hasLiveInput ? _liveInput : _state.Input.Deserialize(Runtime.GetTypeInfo(Definition.InputType));
            _inputLoaded = true;
        }

        return _input;
    }

    private void CancelSteps()
    {
        try
        {
            _runCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended.
        }
    }

    private void ThrowIfFenced()
    {
        if (_fencedReason is { } reason)
        {
            throw new RunFencedSignal(reason);
        }
    }

    /// <summary>Ends the instance as failed (with <paramref name="failure"/>) or canceled (without): journals the
    /// failed step, compensates the completed steps in reverse order, then writes the terminal event.</summary>
    private async Task EndAsync(WorkflowFailure? failure, string? stepPath, int attempt, Activity? activity)
    {
        var canceled = failure is null;
        if (canceled)
        {
            await CancelChildrenAsync().ConfigureAwait(false);
        }

        EventData? failedStep = stepPath is null || failure is null ? null : JournalCodec.EncodeStepFailed(Runtime.NewEventId(), stepPath, attempt, failure);
        var compensations = CompensationsDue();
        if (compensations.Count > 0 && _state.CompensatingForCancel is null)
        {
            EventData started = JournalCodec.EncodeCompensationStarted(Runtime.NewEventId(), canceled, failure);
            await CommitAsync(failedStep is { } failedEvent ? [failedEvent, started] : [started], complete: false, status: null).ConfigureAwait(false);
            _state.RecordCompensationStarted(canceled, failure);
            failedStep = null;
        }

        await CompensateAsync(compensations).ConfigureAwait(false);
        var final = canceled
            ? JournalCodec.EncodeWorkflowCanceled(Runtime.NewEventId(), _state.CancelReason)
            : JournalCodec.EncodeWorkflowFailed(Runtime.NewEventId(), failure!);
        await CommitAsync(failedStep is { } failedLast ? [failedLast, final] : [final], complete: true, canceled ? WorkflowStatus.Canceled : WorkflowStatus.Failed).ConfigureAwait(false);
        if (canceled)
        {
            WorkflowInstrumentation.Canceled.Add(1, new KeyValuePair<string, object?>(WorkflowInstrumentation.WorkflowNameTag, Definition.Name));
            activity?.SetStatus(ActivityStatusCode.Error, "canceled");
            Log.InstanceCanceled(Logger, Definition.Name, InstanceId);
        }
        else
        {
            WorkflowInstrumentation.Failed.Add(
                1,
                new KeyValuePair<string, object?>(WorkflowInstrumentation.WorkflowNameTag, Definition.Name),
                new KeyValuePair<string, object?>(WorkflowInstrumentation.ErrorTypeTag, failure!.ErrorType));
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            Log.InstanceFailed(Logger, Definition.Name, InstanceId, failure.StepPath ?? stepPath, failure.ErrorType, failure.Message);
        }
    }

    /// <summary>Asks the running sub-workflows to cancel: each runs its own compensations.</summary>
    private async Task CancelChildrenAsync()
    {
        foreach (var childId in _state.RunningChildren())
        {
            await Runtime.Store.CommitAsync(new WorkflowCommit
            {
                InstanceId = childId,
                Events = [JournalCodec.EncodeCancelRequested(Runtime.NewEventId(), $"Its parent '{InstanceId}' was canceled.")],
                Schedule = [new ScheduledWork(childId)],
            }).ConfigureAwait(false);
            await Runtime.NotifyChangedAsync(childId).ConfigureAwait(false);
        }
    }

    private async Task FinishSafelyAsync(Func<Task> finish)
    {
        try
        {
            await finish().ConfigureAwait(false);
        }
        catch (Exception ex) when (_fencedReason is not null || ex is RunFencedSignal)
        {
            Log.LeaseLost(Logger, Runtime.NodeId, InstanceId);
        }
        catch (Exception ex)
        {
            Log.RunError(Logger, ex, InstanceId, Runtime.Options.PollInterval);
            await ReleaseAsync(Runtime.TimeProvider.GetUtcNow() + Runtime.Options.PollInterval).ConfigureAwait(false);
        }
    }

    private async Task ReleaseAsync(DateTimeOffset? dueAt)
    {
        if (_fencedReason is not null)
        {
            return;
        }

        try
        {
            await _journalGate.WaitAsync().ConfigureAwait(false);
            try
            {
                await Runtime.Store.ReleaseAsync(Lease, dueAt).ConfigureAwait(false);
            }
            finally
            {
                _journalGate.Release();
            }
        }
        catch (Exception ex)
        {
            // The lease expires by itself and another node (or this one) claims the instance again.
            Log.StoreError(Logger, ex, "releasing a lease");
        }
    }

    private Activity? StartRunActivity()
    {
        if (!WorkflowInstrumentation.Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(_state.TraceParent, _state.TraceState, isRemote: true, out var parent);
        var activity = WorkflowInstrumentation.Source.StartActivity(ActivityKind.Internal, parent, name: "run_workflow " + Definition.Name);
        activity?.SetTag(WorkflowInstrumentation.WorkflowNameTag, Definition.Name);
        activity?.SetTag(WorkflowInstrumentation.WorkflowVersionTag, Definition.Version);
        activity?.SetTag(WorkflowInstrumentation.InstanceIdTag, InstanceId);
        return activity;
    }
}
