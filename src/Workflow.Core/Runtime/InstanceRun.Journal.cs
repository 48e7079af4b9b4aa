using Workflow.Client;
using Workflow.Runtime.Journal;
using Workflow.Storage;

namespace Workflow.Runtime;

internal sealed partial class InstanceRun
{
    // Conflicts come from events others append (a cancel request); each is cheap to fold. Far more than this in a row
    // means something writes to the stream in a loop.
    private const int MaxConflictRetries = 100;

    private readonly SemaphoreSlim _journalGate = new(1, 1);
    private readonly Lock _decisionGate = new();
    private List<EventData>? _pendingDecisions;
    private bool _hasDeferredSteps;

    // The completion of the workflow's last step, journaled with the workflow's end (see RunStepAsync).
    private EventData? _deferredStep;
    private List<string>? _pendingClosedApprovals;

    // Set when events others appended (a raise, an answer, a cancel or terminate request) were folded during the run:
    // their wake-ups were deferred while this run held the lease, so the work item may be runnable when it ends.
    private volatile bool _sawExternalEvents;

    /// <summary>Queues a decision (a branch taken, a loop iteration) to be journaled with the next commit: nothing
    /// depends on it durably until a step after it completes.</summary>
    private void QueueDecision(EventData decision)
    {
        lock (_decisionGate)
        {
            (_pendingDecisions ??= []).Add(decision);
        }
    }

    /// <summary>Defers the completion of a step whose options ask for it (<see cref="Definitions.StepOptions.DeferCommit"/>)
    /// to the run's next commit, in order with the decisions queued around it.</summary>
    private void DeferStep(EventData completion)
    {
        lock (_decisionGate)
        {
            (_pendingDecisions ??= []).Add(completion);
            _hasDeferredSteps = true;
        }
    }

    /// <summary>Gets whether step completions wait for the next commit (see <see cref="DeferStep"/>).</summary>
    private bool HasDeferredSteps
    {
        get
        {
            lock (_decisionGate)
            {
                return _hasDeferredSteps;
            }
        }
    }

    /// <summary>Defers the completion of the workflow's last step to the commit that ends the run.</summary>
    private void DeferFinalStep(EventData completion)
    {
        lock (_decisionGate)
        {
            _deferredStep = completion;
        }
    }

    /// <summary>The events of one commit, in order: queued decisions, a deferred step completion, then the commit's own.</summary>
    private static IReadOnlyList<EventData> Combine(List<EventData>? decisions, EventData? deferred, IReadOnlyList<EventData> own)
    {
        if (decisions is null && deferred is null)
        {
            return own;
        }

        var all = new EventData[(decisions?.Count ?? 0) + (deferred is null ? 0 : 1) + own.Count];
        var at = 0;
        if (decisions is not null)
        {
            decisions.CopyTo(all);
            at = decisions.Count;
        }

        if (deferred is { } step)
        {
            all[at++] = step;
        }

        for (var i = 0; i < own.Count; i++)
        {
            all[at++] = own[i];
        }

        return all;
    }

    /// <summary>Queues the removal of an approval from the index of pending approvals (it timed out), to go with the
    /// decision that records why.</summary>
    private void QueueApprovalClosed(string path)
    {
        lock (_decisionGate)
        {
            (_pendingClosedApprovals ??= []).Add(path);
        }
    }

    /// <summary>Appends events under the lease at the state's version; on a conflict, folds what others appended and
    /// tries again. Never observes a step's cancellation token: a commit that started finishes.</summary>
    /// <param name="events">The events to append after the queued decisions.</param>
    /// <param name="complete">Whether the commit ends the lease.</param>
    /// <param name="status">The instance's new status for its index entry, or <see langword="null"/> to leave it.</param>
    /// <param name="wakeAt">When the instance runs again, or <see langword="null"/>.</param>
    /// <param name="openApproval">An approval to add to the index of pending approvals.</param>
    /// <param name="continueAsNew">When set, builds the events of a fresh journal (used instead of
    /// <paramref name="events"/>); the journal before them is dropped. It is called again after a conflict, so what
    /// others appended meanwhile is carried over; a cancel request or a migration that arrived meanwhile turns the
    /// commit into a plain one (the next run handles them on the whole journal).</param>
    private async Task CommitAsync(
        IReadOnlyList<EventData> events,
        bool complete,
        WorkflowStatus? status,
        DateTimeOffset? wakeAt = null,
        PendingApproval? openApproval = null,
        Func<IReadOnlyList<EventData>>? continueAsNew = null)
    {
        if (_replayOnly)
        {
            // A replay checks a recorded history against the definition; it writes nothing.
            return;
        }

        await _journalGate.WaitAsync().ConfigureAwait(false);
        try
        {
            ThrowIfFenced();
            List<EventData>? decisions;
            EventData? deferred;
            List<string>? closedApprovals;
            lock (_decisionGate)
            {
                decisions = _pendingDecisions;
                _pendingDecisions = null;
                _hasDeferredSteps = false;
                deferred = _deferredStep;
                _deferredStep = null;
                closedApprovals = _pendingClosedApprovals;
                _pendingClosedApprovals = null;
            }

            var own = continueAsNew?.Invoke() ?? events;
            var all = Combine(decisions, deferred, own);
            var header = status is { } s ? Runtime.CreateInfo(_state, s) : null;
            List<ScheduledWork>? schedule = null;
            if (wakeAt is { } due)
            {
                (schedule ??= []).Add(new ScheduledWork(InstanceId, due));
            }

            if (complete && _state.Parent is { } parent && ((status?.IsTerminal() ?? false) || _state.Status.IsTerminal()))
            {
                // A sub-workflow that ends wakes its parent, which journals the result.
                (schedule ??= []).Add(new ScheduledWork(parent.InstanceId));
            }

            for (var attempt = 0; ; attempt++)
            {
                var result = await Runtime.Store.CommitAsync(new WorkflowCommit
                {
                    InstanceId = InstanceId,
                    ExpectedVersion = ExpectedVersion.Exactly(_state.Version),
                    Events = all,
                    Lease = Lease,
                    CompleteLease = complete,
                    Instance = header,
                    Schedule = schedule ?? (IReadOnlyList<ScheduledWork>)[],
                    OpenApprovals = openApproval is null ? [] : [openApproval],
                    ClosedApprovals = closedApprovals ?? (IReadOnlyList<string>)[],
                    TruncateBefore = continueAsNew is null ? null : _state.Version + all.Count - own.Count + 1,
                }).ConfigureAwait(false);
                switch (result.Status)
                {
                    case CommitStatus.Committed:
                    case CommitStatus.AlreadyCommitted:
                        _state.Version = result.StreamVersion;
                        if (schedule?.Exists(w => w.InstanceId != InstanceId) == true)
                        {
                            // Another instance (a parent) became runnable: claim it now, not at the next poll.
                            Runtime.Wake();
                        }

                        return;
                    case CommitStatus.LeaseLost:
                        Fence("the store rejected the lease");
                        throw new RunFencedSignal("The store rejected this node's lease: another node holds the instance.");
                    case CommitStatus.VersionConflict when attempt < MaxConflictRetries:
                        await FoldNewEventsAsync().ConfigureAwait(false);
                        if (_state.Status == WorkflowStatus.Terminated)
                        {
                            // Terminated meanwhile: what this run was about to write no longer counts.
                            throw new OperationCanceledException("The instance was terminated.");
                        }

                        if (continueAsNew is not null)
                        {
                            if (_state.CancelRequested || _stopRequested)
                            {
                                continueAsNew = null;
                                own = [];
                            }
                            else
                            {
                                own = continueAsNew();
                            }

                            all = Combine(decisions, deferred, own);
                        }

                        break;
                    default:
                        throw new InvalidOperationException(
                            $"Instance '{InstanceId}' kept conflicting after {MaxConflictRetries} attempts to append; something appends to its stream continuously.");
                }
            }
        }
        finally
        {
            _journalGate.Release();
        }
    }

    /// <summary>Folds events appended by others (cancel requests). Events only a lease holder writes mean another
    /// node runs the instance: this run is fenced off.</summary>
    private async Task FoldNewEventsAsync()
    {
        while (true)
        {
            var batch = await Runtime.Store.ReadStreamAsync(InstanceId, _state.Version + 1, ReadDirection.Forward, 500).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return;
            }

            foreach (var recorded in batch)
            {
                var @event = JournalCodec.Decode(recorded);
                if (@event is not (WorkflowCancelRequestedEvent or EventRaisedEvent or ApprovalAnsweredEvent or WorkflowTerminatedEvent or WorkflowMigratedEvent or UnknownHistoryEvent))
                {
                    Fence("another node wrote to the instance");
                    throw new RunFencedSignal($"Another node appended {@event.EventType} to instance '{InstanceId}'.");
                }

                _state.Apply(@event);
                _sawExternalEvents = true;
                if (@event is WorkflowMigratedEvent)
                {
                    // The instance now runs another version: stop this run; the next one loads the new definition.
                    _stopRequested = true;
                }
            }

            if (_state.CancelRequested || _state.Status == WorkflowStatus.Terminated)
            {
                CancelSteps();
            }
        }
    }

    /// <summary>Folds what others appended since this run last wrote (called when the local client raised something).</summary>
    public async Task RefreshAsync()
    {
        await _journalGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_fencedReason is null)
            {
                await FoldNewEventsAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _journalGate.Release();
        }
    }

    public async ValueTask<T> RunOnceAsync<T>(string stepPath, string key, Func<CancellationToken, Task<T>> action, CancellationToken stepToken, CancellationToken cancellationToken)
    {
        var typeInfo = Runtime.GetTypeInfo(typeof(T));
        if (_state.TryGetSubResult(stepPath, key, out var journaled))
        {
            return (T)journaled.Deserialize(typeInfo)!;
        }

        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(stepToken, cancellationToken) : null;
        var value = await action(linked?.Token ?? stepToken).ConfigureAwait(false);
        var bytes = Runtime.Serialize(value, typeof(T), $"the result of '{key}' in step '{stepPath}'");
        await CommitAsync([JournalCodec.EncodeSubResult(Runtime.NewEventId(), stepPath, key, bytes)], complete: false, status: null).ConfigureAwait(false);
        _state.RecordSubResult(stepPath, key, new JournalPayload(bytes));
        return value;
    }
}
