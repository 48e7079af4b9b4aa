using Workflow.Client;
using Workflow.Runtime.Journal;

namespace Workflow.Runtime;

/// <summary>
/// The state of an instance: the fold of its journal. Recovery reads the stream and folds it; a node that runs the
/// instance keeps it in memory and folds what it writes. Safe for the concurrent branches of one run.
/// </summary>
internal sealed class InstanceState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CompletedStep> _steps = new(StringComparer.Ordinal);
    private readonly List<string> _completionOrder = [];

    // What only some workflows use (retries, branches, waits, approvals, sagas, children) is created on first use:
    // a plain sequence of steps allocates none of it.
    private Extras? _extras;

    private Extras More => _extras ??= new Extras();

    public InstanceState(string instanceId, string workflowName, int workflowVersion, JournalPayload input, string? traceParent, string? traceState, long version)
    {
        InstanceId = instanceId;
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
        Input = input;
        TraceParent = traceParent;
        TraceState = traceState;
        Version = version;
    }

    public string InstanceId { get; }

    public string WorkflowName { get; }

    /// <summary>Gets the version of the definition the instance runs: the one it started with, unless migrated.</summary>
    public int WorkflowVersion { get; private set; }

    public JournalPayload Input { get; }

    public string? TraceParent { get; }

    public string? TraceState { get; }

    /// <summary>Gets when the instance started, when known.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the parent of a sub-workflow instance, or <see langword="null"/>.</summary>
    public ParentLink? Parent { get; init; }

    /// <summary>Gets how many times the instance continued as new (0 until it does).</summary>
    public int Generation { get; init; }

    /// <summary>Gets, when the journal starts with a continue-as-new, where the loop goes on; otherwise <see langword="null"/>.</summary>
    public LoopContinuation? ContinuedLoop { get; init; }

    /// <summary>Gets or sets the version of the stream this state reflects: the expected version of the next commit.</summary>
    public long Version { get; set; }

    public WorkflowStatus Status { get; private set; } = WorkflowStatus.Running;

    public bool CancelRequested { get; private set; }

    /// <summary>Gets whether the instance is compensating, and why (<see langword="true"/>: canceled; <see langword="false"/>: failed).</summary>
    public bool? CompensatingForCancel { get; private set; }

    public WorkflowFailure? CompensationFailure { get; private set; }

    /// <summary>Gets the failure the instance ended with, once it failed.</summary>
    public WorkflowFailure? Failure { get; private set; }

    public string? CancelReason { get; private set; }

    /// <summary>Folds a whole stream, which must start with <c>workflow.started</c> (or, once the instance continued as
    /// new, <c>workflow.continued_as_new</c>). A reset erases what was journaled from its point up to the reset (raised
    /// events stay, to be consumed again).</summary>
    public static InstanceState Fold(IReadOnlyList<WorkflowHistoryEvent> events)
    {
        var state = events.Count == 0 ? null : events[0] switch
        {
            WorkflowStartedEvent started => new InstanceState(
                started.InstanceId, started.WorkflowName, started.WorkflowVersion, new JournalPayload(started.Input), started.TraceParent, started.TraceState, started.Position)
            {
                CreatedAt = started.Timestamp,
                Parent = started.ParentInstanceId is { } parent ? new ParentLink(parent, started.ParentStepPath ?? string.Empty) : null,
            },
            WorkflowContinuedAsNewEvent continued => new InstanceState(
                continued.InstanceId, continued.WorkflowName, continued.WorkflowVersion, new JournalPayload(continued.Input), continued.TraceParent, continued.TraceState, continued.Position)
            {
                CreatedAt = continued.StartedAt,
                Parent = continued.Parent,
                Generation = continued.Generation,
                ContinuedLoop = new LoopContinuation(continued.LoopPath, continued.Iteration, new JournalPayload(continued.Value)),
            },
            _ => null,
        };
        if (state is null)
        {
            throw new InvalidOperationException("The instance's stream does not start with a workflow.started or workflow.continued_as_new event.");
        }

        var erased = events.OfType<WorkflowResetEvent>().Select(static r => (From: r.FromPosition, To: r.Position)).ToList();
        for (var i = 1; i < events.Count; i++)
        {
            var @event = events[i];
            if (@event is not EventRaisedEvent && erased.Exists(r => @event.Position >= r.From && @event.Position < r.To))
            {
                state.Version = Math.Max(state.Version, @event.Position);
                continue;
            }

            state.Apply(@event);
        }

        return state;
    }

    /// <summary>Folds one event into the state and moves its version to the event's position.</summary>
    public void Apply(WorkflowHistoryEvent @event)
    {
        lock (_gate)
        {
            switch (@event)
            {
                case WorkflowMigratedEvent migrated:
                    WorkflowVersion = migrated.ToVersion;
                    break;
                case StepCompletedEvent completed:
                    if (_steps.TryAdd(completed.StepPath, new CompletedStep(new JournalPayload(completed.Output)) { Position = completed.Position }))
                    {
                        _completionOrder.Add(completed.StepPath);
                    }

                    break;
                case CompensationStartedEvent compensation:
                    CompensatingForCancel = compensation.Canceled;
                    CompensationFailure = compensation.Failure;
                    break;
                case StepCompensatedEvent compensated:
                    More.Compensated.Add(compensated.StepPath);
                    break;
                case StepCompensationFailedEvent compensationFailed:
                    More.Compensated.Add(compensationFailed.StepPath);
                    break;
                case WorkflowTerminatedEvent:
                    Status = WorkflowStatus.Terminated;
                    break;
                case SubWorkflowStartedEvent child:
                    More.Children.TryAdd(child.Path, child.ChildInstanceId);
                    break;
                case SubWorkflowEndedEvent ended:
                    More.ChildEnds.TryAdd(ended.Path, new ChildEnd(ended.Status, ended.Output is { } output ? new JournalPayload(output) : null, ended.Failure));
                    break;
                case WorkflowResetEvent:
                    Status = WorkflowStatus.Running;
                    break;
                case StepAttemptFailedEvent attemptFailed:
                    More.FailedAttempts[attemptFailed.StepPath] = Math.Max(More.FailedAttempts.GetValueOrDefault(attemptFailed.StepPath), attemptFailed.Attempt);
                    break;
                case StepSubResultRecordedEvent subResult:
                    More.SubResults.TryAdd((subResult.StepPath, subResult.Key), new JournalPayload(subResult.Value));
                    break;
                case BranchTakenEvent branch:
                    More.Branches.TryAdd(branch.Path, branch.Arm);
                    break;
                case LoopIterationCompletedEvent loop:
                    More.LoopDecisions.TryAdd(LoopKey(loop.Path, loop.Iteration), loop.Continues);
                    break;
                case WorkflowCancelRequestedEvent cancel:
                    if (!CancelRequested)
                    {
                        CancelRequested = true;
                        CancelReason = cancel.Reason;
                    }

                    break;
                case EventRaisedEvent raised:
                    More.Raised.Add(new RaisedEvent(raised.Position, raised.EventName, new JournalPayload(raised.Payload), raised.TargetPath));
                    break;
                case EventConsumedEvent consumed:
                    var match = _extras?.Raised.Find(r => r.Position == consumed.RaisedPosition);
                    if (match is not null)
                    {
                        match.ConsumedBy = consumed.Path;
                        More.Consumed.TryAdd(consumed.Path, match);
                    }

                    break;
                case WaitStartedEvent wait:
                    More.WaitDeadlines.TryAdd(wait.Path, wait.Deadline);
                    break;
                case WaitTimedOutEvent timedOut:
                    More.TimedOut.Add(timedOut.Path);
                    break;
                case TimerStartedEvent timer:
                    More.Timers.TryAdd(timer.Path, timer.DueAt);
                    break;
                case TimerFiredEvent fired:
                    More.FiredTimers.Add(fired.Path);
                    break;
                case ApprovalRequestedEvent requested:
                    More.Approvals.TryAdd(requested.Path, new ApprovalState(new JournalPayload(requested.Request), requested.Timestamp, requested.Deadline));
                    break;
                case ApprovalAnsweredEvent answered:
                    if (_extras is { } extras && extras.Approvals.TryGetValue(answered.Path, out var approval) && approval.Decision is null)
                    {
                        approval.Decision = new ApprovalDecision(answered.Path, answered.Approved, answered.By, answered.Comment, answered.Timestamp);
                    }

                    break;
                case WorkflowCompletedEvent:
                    Status = WorkflowStatus.Completed;
                    break;
                case WorkflowFailedEvent failed:
                    Status = WorkflowStatus.Failed;
                    Failure = failed.Failure;
                    break;
                case WorkflowCanceledEvent:
                    Status = WorkflowStatus.Canceled;
                    break;
            }

            Version = Math.Max(Version, @event.Position);
        }
    }

    public bool TryGetStep(string path, out CompletedStep step)
    {
        lock (_gate)
        {
            return _steps.TryGetValue(path, out step!);
        }
    }

    public void RecordStep(string path, object? value, byte[] output)
    {
        lock (_gate)
        {
            if (_steps.TryAdd(path, new CompletedStep(new JournalPayload(output)) { LiveValue = value, HasLiveValue = true }))
            {
                _completionOrder.Add(path);
            }
        }
    }

    /// <summary>Gets the completed steps, the most recently completed first, with their outputs.</summary>
    public IReadOnlyList<(string Path, CompletedStep Step)> CompletedStepsNewestFirst()
    {
        lock (_gate)
        {
            return [.. Enumerable.Reverse(_completionOrder).Select(p => (p, _steps[p]))];
        }
    }

    public string? GetChild(string path)
    {
        lock (_gate)
        {
            return _extras?.Children.GetValueOrDefault(path);
        }
    }

    public void RecordChild(string path, string childId)
    {
        lock (_gate)
        {
            More.Children.TryAdd(path, childId);
        }
    }

    public ChildEnd? GetChildEnd(string path)
    {
        lock (_gate)
        {
            return _extras?.ChildEnds.GetValueOrDefault(path);
        }
    }

    public void RecordChildEnd(string path, ChildEnd end)
    {
        lock (_gate)
        {
            More.ChildEnds.TryAdd(path, end);
        }
    }

    /// <summary>Gets the children started and not ended, by their node's path.</summary>
    public IReadOnlyList<string> RunningChildren()
    {
        lock (_gate)
        {
            return _extras is { } x ? [.. x.Children.Where(c => !x.ChildEnds.ContainsKey(c.Key)).Select(static c => c.Value)] : [];
        }
    }

    public bool IsCompensated(string path)
    {
        lock (_gate)
        {
            return _extras?.Compensated.Contains(path) == true;
        }
    }

    public void RecordCompensated(string path)
    {
        lock (_gate)
        {
            More.Compensated.Add(path);
        }
    }

    public void RecordCompensationStarted(bool canceled, WorkflowFailure? failure)
    {
        lock (_gate)
        {
            CompensatingForCancel ??= canceled;
            CompensationFailure ??= failure;
        }
    }

    public int FailedAttempts(string path)
    {
        lock (_gate)
        {
            return _extras?.FailedAttempts.GetValueOrDefault(path) ?? 0;
        }
    }

    public void RecordFailedAttempt(string path, int attempt)
    {
        lock (_gate)
        {
            More.FailedAttempts[path] = Math.Max(More.FailedAttempts.GetValueOrDefault(path), attempt);
        }
    }

    public string? GetBranch(string path)
    {
        lock (_gate)
        {
            return _extras?.Branches.GetValueOrDefault(path);
        }
    }

    public void RecordBranch(string path, string arm)
    {
        lock (_gate)
        {
            More.Branches.TryAdd(path, arm);
        }
    }

    public bool? GetLoopDecision(string path, int iteration)
    {
        lock (_gate)
        {
            return _extras is { } x && x.LoopDecisions.TryGetValue(LoopKey(path, iteration), out var decision) ? decision : null;
        }
    }

    public void RecordLoopDecision(string path, int iteration, bool continues)
    {
        lock (_gate)
        {
            More.LoopDecisions.TryAdd(LoopKey(path, iteration), continues);
        }
    }

    public bool TryGetSubResult(string path, string key, out JournalPayload value)
    {
        lock (_gate)
        {
            if (_extras is { } x && x.SubResults.TryGetValue((path, key), out value))
            {
                return true;
            }

            value = default;
            return false;
        }
    }

    public void RecordSubResult(string path, string key, JournalPayload value)
    {
        lock (_gate)
        {
            More.SubResults.TryAdd((path, key), value);
        }
    }

    public bool TryGetConsumed(string path, out RaisedEvent raised)
    {
        lock (_gate)
        {
            if (_extras is { } x && x.Consumed.TryGetValue(path, out raised!))
            {
                return true;
            }

            raised = null!;
            return false;
        }
    }

    /// <summary>Gets the raised events no wait has consumed yet, in the order they were raised.</summary>
    public IReadOnlyList<RaisedEvent> GetUnconsumed()
    {
        lock (_gate)
        {
            return _extras is { } extras ? [.. extras.Raised.Where(static r => r.ConsumedBy is null)] : [];
        }
    }

    /// <summary>Consumes the oldest raised event that is not consumed yet, has one of <paramref name="names"/>, and is
    /// addressed to no wait or to the wait at <paramref name="path"/>: first raised, first consumed.</summary>
    public RaisedEvent? ConsumeFirst(string path, IReadOnlyCollection<string> names)
    {
        lock (_gate)
        {
            foreach (var raised in _extras?.Raised ?? [])
            {
                if (raised.ConsumedBy is null
                    && names.Contains(raised.Name)
                    && (raised.TargetPath is null || string.Equals(raised.TargetPath, path, StringComparison.Ordinal)))
                {
                    raised.ConsumedBy = path;
                    More.Consumed.TryAdd(path, raised);
                    return raised;
                }
            }

            return null;
        }
    }

    public DateTimeOffset? GetWaitDeadline(string path)
    {
        lock (_gate)
        {
            return _extras is { } x && x.WaitDeadlines.TryGetValue(path, out var deadline) ? deadline : null;
        }
    }

    public void RecordWaitDeadline(string path, DateTimeOffset deadline)
    {
        lock (_gate)
        {
            More.WaitDeadlines.TryAdd(path, deadline);
        }
    }

    public bool IsTimedOut(string path)
    {
        lock (_gate)
        {
            return _extras?.TimedOut.Contains(path) == true;
        }
    }

    public void RecordTimedOut(string path)
    {
        lock (_gate)
        {
            More.TimedOut.Add(path);
        }
    }

    public DateTimeOffset? GetTimer(string path)
    {
        lock (_gate)
        {
            return _extras is { } x && x.Timers.TryGetValue(path, out var due) ? due : null;
        }
    }

    public void RecordTimer(string path, DateTimeOffset dueAt)
    {
        lock (_gate)
        {
            More.Timers.TryAdd(path, dueAt);
        }
    }

    public bool IsTimerFired(string path)
    {
        lock (_gate)
        {
            return _extras?.FiredTimers.Contains(path) == true;
        }
    }

    public void RecordTimerFired(string path)
    {
        lock (_gate)
        {
            More.FiredTimers.Add(path);
        }
    }

    public ApprovalState? GetApproval(string path)
    {
        lock (_gate)
        {
            return _extras?.Approvals.GetValueOrDefault(path);
        }
    }

    public void RecordApprovalRequested(string path, ApprovalState approval)
    {
        lock (_gate)
        {
            More.Approvals.TryAdd(path, approval);
        }
    }

    /// <summary>Gets the approvals requested and neither answered nor timed out, in the order they were requested.</summary>
    public IReadOnlyList<(string Path, ApprovalState Approval)> PendingApprovals()
    {
        lock (_gate)
        {
            return _extras is { } x ? [.. x.Approvals.Where(a => a.Value.Decision is null && !x.TimedOut.Contains(a.Key)).Select(a => (a.Key, a.Value))] : [];
        }
    }

    private static string LoopKey(string path, int iteration) => string.Concat(path, "#", iteration.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private sealed class Extras
    {
        public Dictionary<string, int> FailedAttempts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, bool> LoopDecisions { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Path, string Key), JournalPayload> SubResults { get; } = [];

        public List<RaisedEvent> Raised { get; } = [];

        public Dictionary<string, RaisedEvent> Consumed { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, DateTimeOffset> WaitDeadlines { get; } = new(StringComparer.Ordinal);

        public HashSet<string> TimedOut { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, DateTimeOffset> Timers { get; } = new(StringComparer.Ordinal);

        public HashSet<string> FiredTimers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ApprovalState> Approvals { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Compensated { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Children { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ChildEnd> ChildEnds { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>How a sub-workflow ended, as journaled in its parent.</summary>
    internal sealed record ChildEnd(WorkflowStatus Status, JournalPayload? Output, WorkflowFailure? Failure);

    /// <summary>An approval in the journal: what was asked, until when, and the answer once given.</summary>
    internal sealed class ApprovalState(JournalPayload request, DateTimeOffset requestedAt, DateTimeOffset? deadline)
    {
        public JournalPayload Request { get; } = request;

        public DateTimeOffset RequestedAt { get; } = requestedAt;

        public DateTimeOffset? Deadline { get; } = deadline;

        public ApprovalDecision? Decision { get; set; }
    }

    /// <summary>An external event in the journal, and the wait that consumed it, if any.</summary>
    internal sealed class RaisedEvent(long position, string name, JournalPayload payload, string? targetPath)
    {
        public long Position { get; } = position;

        public string Name { get; } = name;

        public JournalPayload Payload { get; } = payload;

        public string? TargetPath { get; } = targetPath;

        public string? ConsumedBy { get; set; }
    }

    /// <summary>A completed step: its journaled output and, on the node that ran it, the live value.</summary>
    internal sealed class CompletedStep(JournalPayload output)
    {
        public JournalPayload Output { get; } = output;

        /// <summary>Gets the journal position of the completion, or 0 for one this run has just written.</summary>
        public long Position { get; init; }

        public object? LiveValue { get; set; }

        public bool HasLiveValue { get; set; }
    }

    /// <summary>Where a loop that continued as new goes on: its path, the next iteration and that iteration's input.</summary>
    internal sealed record LoopContinuation(string Path, int Iteration, JournalPayload Value);
}
