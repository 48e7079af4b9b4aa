using System.Globalization;
using Workflow.Client;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;
using Workflow.Internal;
using Workflow.Runtime.Journal;
using Workflow.Storage;

namespace Workflow.Runtime;

internal sealed partial class InstanceRun
{
    /// <summary>Walks the workflow from its start, or, once the instance continued as new, from the loop that did, at
    /// the iteration and with the value the journal's first event carries.</summary>
    private async ValueTask<object?> RunRootAsync(CancellationToken cancellationToken)
    {
        var root = Definition.Root;
        if (_state.ContinuedLoop is not { } continued)
        {
            return await RunBlockAsync(root, RunScope.Root, LoadInput(), cancellationToken).ConfigureAwait(false);
        }

        var index = -1;
        for (var i = 0; i < root.Nodes.Count && index < 0; i++)
        {
            if (root.Nodes[i] is LoopNode { ContinueAsNewEvery: > 0 } candidate && RunScope.Root.PathOf(candidate.Name) == continued.Path)
            {
                index = i;
            }
        }

        if (index < 0)
        {
            throw new WorkflowNondeterminismException(
                InstanceId, $"the journal continues loop '{continued.Path}' as new, which version {Definition.Version} of the definition no longer has at its top level with continueAsNewEvery.");
        }

        var loop = (LoopNode)root.Nodes[index];
        var value = continued.Value.Deserialize(Runtime.GetTypeInfo(loop.InputType));
        value = await RunLoopAsync(loop, RunScope.Root, value, cancellationToken, continued.Iteration).ConfigureAwait(false);
        return await RunBlockAsync(root, RunScope.Root, value, cancellationToken, startAt: index + 1).ConfigureAwait(false);
    }

    private async ValueTask<object?> RunBlockAsync(FlowBlock block, RunScope scope, object? input, CancellationToken cancellationToken, int startAt = 0)
    {
        var value = input;
        var lastPosition = 0L;
        for (var i = startAt; i < block.Nodes.Count; i++)
        {
            var node = block.Nodes[i];
            if (_replayOnly && node is StepNode replayed)
            {
                lastPosition = CheckReplayOrder(scope.PathOf(replayed.Name), lastPosition);
            }

            value = node switch
            {
                StepNode step => await RunStepAsync(step, scope, value, cancellationToken, isFinal: i == block.Nodes.Count - 1 && block == Definition.Root).ConfigureAwait(false),
                BranchNode branch => await RunBranchAsync(branch, scope, value, cancellationToken).ConfigureAwait(false),
                ParallelNode parallel => await RunParallelAsync(parallel, scope, value, cancellationToken).ConfigureAwait(false),
                ForEachNode forEach => await RunForEachAsync(forEach, scope, value, cancellationToken).ConfigureAwait(false),
                LoopNode loop => await RunLoopAsync(loop, scope, value, cancellationToken).ConfigureAwait(false),
                WaitNode wait => await RunWaitAsync(wait, scope, value, cancellationToken).ConfigureAwait(false),
                DelayNode delay => RunDelay(delay, scope, value, cancellationToken),
                ApprovalNode approval => await RunApprovalAsync(approval, scope, value, cancellationToken).ConfigureAwait(false),
                SubWorkflowNode child => await RunSubWorkflowAsync(child, scope, value, cancellationToken).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"Unknown node type {node.GetType().Name}."),
            };
        }

        return value;
    }

    private async ValueTask<object?> RunBranchAsync(BranchNode branch, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(branch.Name);
        var key = _state.GetBranch(path);
        BranchArm? arm;
        if (key is not null)
        {
            arm = branch.FindArm(key)
                ?? throw new WorkflowNondeterminismException(InstanceId, $"the journal took arm '{key}' of '{path}', which the definition no longer has.");
        }
        else
        {
            key = Evaluate(path, () => branch.SelectArm(input));
            arm = branch.FindArm(key) ?? branch.DefaultArm;
            if (arm is null)
            {
                throw new StepFailureSignal(path, 1, new WorkflowFailure("Workflow.NoMatchingCase", $"Switch '{path}' has no case for the key '{key}' and no default arm.")
                {
                    NonRetryable = true,
                    StepPath = path,
                }, cause: null);
            }

            key = arm.Key;
            _state.RecordBranch(path, key);
            QueueDecision(JournalCodec.EncodeBranchTaken(Runtime.NewEventId(), path, key));
        }

        return await RunBlockAsync(arm.Block, scope.Enter(path), input, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<object?> RunParallelAsync(ParallelNode parallel, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(parallel.Name);
        var inner = scope.Enter(path);
        var outputs = await RunConcurrentlyAsync(
            parallel.Branches.Count,
            parallel.Branches.Count,
            (index, token) => RunBlockAsync(parallel.Branches[index], inner, input, token),
            cancellationToken).ConfigureAwait(false);
        return Evaluate(path, () => parallel.Join(outputs));
    }

    private async ValueTask<object?> RunForEachAsync(ForEachNode forEach, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(forEach.Name);
        var items = Evaluate(path, () => forEach.SelectItems(input));
        var outputs = await RunConcurrentlyAsync(
            items.Count,
            forEach.MaxParallelism,
            (index, token) => RunBlockAsync(forEach.Body, scope.Enter(IndexedPath(path, index)), items[index], token),
            cancellationToken).ConfigureAwait(false);
        return forEach.Collect(outputs);
    }

    private async ValueTask<object?> RunLoopAsync(LoopNode loop, RunScope scope, object? input, CancellationToken cancellationToken, int firstIteration = 0)
    {
        var path = scope.PathOf(loop.Name);
        var value = input;
        for (var iteration = firstIteration; ; iteration++)
        {
            value = await RunBlockAsync(loop.Body, scope.Enter(IndexedPath(path, iteration)), value, cancellationToken).ConfigureAwait(false);
            var continues = _state.GetLoopDecision(path, iteration);
            if (continues is null)
            {
                var current = value;
                var done = Evaluate(path, () => loop.Until(current));
                var limitReached = !done && iteration + 1 >= loop.MaxIterations;
                continues = !done && !limitReached;
                _state.RecordLoopDecision(path, iteration, continues.Value);
                QueueDecision(JournalCodec.EncodeLoopIterationCompleted(Runtime.NewEventId(), path, iteration, continues.Value, limitReached));
            }

            if (!continues.Value)
            {
                return value;
            }

            if (loop.ContinueAsNewEvery > 0 && (iteration + 1) % loop.ContinueAsNewEvery == 0 && !_replayOnly && !_state.CancelRequested)
            {
                // A cancel request is handled at the next step instead: it needs the journal of what ran.
                var current = value;
                byte[] carried;
                try
                {
                    carried = Runtime.Serialize(current, loop.InputType, $"the value of loop '{path}'");
                }
                catch (WorkflowSerializationException ex)
                {
                    throw new StepFailureSignal(path, 1, Runtime.FailureConverter.ToFailure(ex), ex);
                }

                throw new ContinueAsNewSignal(path, iteration + 1, carried);
            }
        }
    }

    private async ValueTask<object?> RunWaitAsync(WaitNode wait, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(wait.Name);
        if (_state.TryGetConsumed(path, out var consumed))
        {
            return await RunWaitArmAsync(wait, scope, path, consumed, cancellationToken).ConfigureAwait(false);
        }

        if (_state.IsTimedOut(path))
        {
            return await RunTimeoutArmAsync(wait, scope, path, input, cancellationToken).ConfigureAwait(false);
        }

        ThrowIfCanceled(cancellationToken);
        var raised = _state.ConsumeFirst(path, wait.EventNames);
        if (raised is not null)
        {
            QueueDecision(JournalCodec.EncodeEventConsumed(Runtime.NewEventId(), path, raised.Position));
            return await RunWaitArmAsync(wait, scope, path, raised, cancellationToken).ConfigureAwait(false);
        }

        var deadline = _state.GetWaitDeadline(path);
        if (deadline is null && wait.Timeout is { } timeout)
        {
            deadline = Runtime.TimeProvider.GetUtcNow() + timeout;
            _state.RecordWaitDeadline(path, deadline.Value);
            QueueDecision(JournalCodec.EncodeWaitStarted(Runtime.NewEventId(), path, deadline.Value));
        }

        if (deadline is { } due && Runtime.TimeProvider.GetUtcNow() >= due)
        {
            _state.RecordTimedOut(path);
            QueueDecision(JournalCodec.EncodeWaitTimedOut(Runtime.NewEventId(), path));
            return await RunTimeoutArmAsync(wait, scope, path, input, cancellationToken).ConfigureAwait(false);
        }

        throw new SuspendSignal(deadline);
    }

    private async ValueTask<object?> RunWaitArmAsync(WaitNode wait, RunScope scope, string path, InstanceState.RaisedEvent raised, CancellationToken cancellationToken)
    {
        var arm = wait.FindCase(raised.Name)
            ?? throw new WorkflowNondeterminismException(InstanceId, $"the journal gave wait '{path}' the event '{raised.Name}', which the definition no longer waits for there.");
        var payload = Evaluate(path, () => raised.Payload.Deserialize(Runtime.GetTypeInfo(arm.PayloadType)));
        return await RunBlockAsync(arm.Block, scope.Enter(path), payload, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<object?> RunTimeoutArmAsync(WaitNode wait, RunScope scope, string path, object? input, CancellationToken cancellationToken)
    {
        if (wait.OnTimeout is null)
        {
            throw new StepFailureSignal(path, 1, new WorkflowFailure("Workflow.WaitTimedOut", $"Wait '{path}' timed out after {wait.Timeout} without receiving {string.Join(" or ", wait.EventNames)}.")
            {
                NonRetryable = true,
                StepPath = path,
            }, cause: null);
        }

        return await RunBlockAsync(wait.OnTimeout, scope.Enter(path), input, cancellationToken).ConfigureAwait(false);
    }

    private object? RunDelay(DelayNode delay, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(delay.Name);
        if (_state.IsTimerFired(path))
        {
            return input;
        }

        ThrowIfCanceled(cancellationToken);
        var now = Runtime.TimeProvider.GetUtcNow();
        var due = _state.GetTimer(path);
        if (due is null)
        {
            due = Evaluate(path, () => delay.DueAt(input, now));
            _state.RecordTimer(path, due.Value);
            QueueDecision(JournalCodec.EncodeTimerStarted(Runtime.NewEventId(), path, due.Value));
        }

        if (now < due)
        {
            throw new SuspendSignal(due);
        }

        _state.RecordTimerFired(path);
        QueueDecision(JournalCodec.EncodeTimerFired(Runtime.NewEventId(), path));
        return input;
    }

    private async ValueTask<object?> RunApprovalAsync(ApprovalNode node, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(node.Name);
        var approval = _state.GetApproval(path);
        if (approval?.Decision is { } decision)
        {
            return decision;
        }

        if (!_state.IsTimedOut(path))
        {
            ThrowIfCanceled(cancellationToken);
            if (approval is null)
            {
                var request = Evaluate(path, () => node.Request(input));
                var now = Runtime.TimeProvider.GetUtcNow();
                DateTimeOffset? deadline = node.Timeout is { } timeout ? now + timeout : null;
                approval = await RequestApprovalCoreAsync(path, request, node.RequestType, deadline).ConfigureAwait(false);
            }

            if (approval.Deadline is not { } due || Runtime.TimeProvider.GetUtcNow() < due)
            {
                throw new SuspendSignal(approval.Deadline);
            }

            _state.RecordTimedOut(path);
            QueueDecision(JournalCodec.EncodeWaitTimedOut(Runtime.NewEventId(), path));
            QueueApprovalClosed(path);
        }

        if (node.OnTimeout is null)
        {
            throw new StepFailureSignal(path, 1, new WorkflowFailure("Workflow.WaitTimedOut", $"Approval '{path}' timed out after {node.Timeout} without an answer.")
            {
                NonRetryable = true,
                StepPath = path,
            }, cause: null);
        }

        return await RunBlockAsync(node.OnTimeout, scope.Enter(path), input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for an approval from inside a step: the answer when there is one, otherwise the request is
    /// journaled and the step suspends; it runs again once answered, its journaled sub-results replaying.</summary>
    public async ValueTask<ApprovalDecision> RequestApprovalAsync<TRequest>(string path, TRequest request)
    {
        var approval = _state.GetApproval(path);
        if (approval?.Decision is { } decision)
        {
            return decision;
        }

        if (approval is null)
        {
            await RequestApprovalCoreAsync(path, request, typeof(TRequest), deadline: null).ConfigureAwait(false);
        }

        throw new SuspendSignal(wakeAt: null);
    }

    /// <summary>Journals a request at once (not with the next commit), so it is listed as pending right away.</summary>
    private async ValueTask<InstanceState.ApprovalState> RequestApprovalCoreAsync(string path, object? request, Type requestType, DateTimeOffset? deadline)
    {
        var bytes = Runtime.Serialize(request, requestType, $"the request of approval '{path}'");
        var requestedAt = Runtime.TimeProvider.GetUtcNow();
        var pending = new PendingApproval(InstanceId, Definition.Name, path, new JournalPayload(bytes).ToElement(), requestedAt, deadline);
        await CommitAsync([JournalCodec.EncodeApprovalRequested(Runtime.NewEventId(), path, bytes, deadline)], complete: false, status: null, openApproval: pending).ConfigureAwait(false);
        var approval = new InstanceState.ApprovalState(new JournalPayload(bytes), requestedAt, deadline);
        _state.RecordApprovalRequested(path, approval);
        return approval;
    }

    private async ValueTask<object?> RunSubWorkflowAsync(SubWorkflowNode node, RunScope scope, object? input, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(node.Name);
        var end = _state.GetChildEnd(path);
        if (end is null)
        {
            ThrowIfCanceled(cancellationToken);
            var childId = _state.GetChild(path);
            if (childId is null && _replayOnly)
            {
                throw new SuspendSignal(wakeAt: null);
            }

            if (childId is null)
            {
                childId = ChildInstanceId(path);
                var childInput = Evaluate(path, () => node.Input(input));
                var bytes = Runtime.Serialize(childInput, node.Child.InputType, $"the input of sub-workflow '{path}'");
                var definition = Runtime.Registry.Get(node.Child.Name, node.Child.Version);
                var status = await Runtime.StartInstanceAsync(definition, childId, bytes, childInput, raised: null, new ParentLink(InstanceId, path), CancellationToken.None).ConfigureAwait(false);
                if (status != CommitStatus.Committed)
                {
                    throw new StepFailureSignal(path, 1, new WorkflowFailure("Workflow.SubWorkflowIdTaken", $"The id '{childId}' of sub-workflow '{path}' is taken by another instance.")
                    {
                        NonRetryable = true,
                        StepPath = path,
                    }, cause: null);
                }

                _state.RecordChild(path, childId);
                QueueDecision(JournalCodec.EncodeSubWorkflowStarted(Runtime.NewEventId(), path, childId));
            }

            if (_replayOnly)
            {
                throw new SuspendSignal(wakeAt: null);
            }

            var last = await Runtime.Store.ReadStreamAsync(childId, long.MaxValue, ReadDirection.Backward, 1, CancellationToken.None).ConfigureAwait(false);
            var terminal = last.Count == 0 ? null : JournalCodec.Decode(last[0]);
            end = terminal switch
            {
                WorkflowCompletedEvent completed => new InstanceState.ChildEnd(WorkflowStatus.Completed, new JournalPayload(completed.Output), null),
                WorkflowFailedEvent failed => new InstanceState.ChildEnd(WorkflowStatus.Failed, null, failed.Failure),
                WorkflowCanceledEvent => new InstanceState.ChildEnd(WorkflowStatus.Canceled, null, null),
                WorkflowTerminatedEvent => new InstanceState.ChildEnd(WorkflowStatus.Terminated, null, null),
                _ => throw new SuspendSignal(wakeAt: null),
            };
            _state.RecordChildEnd(path, end);
            QueueDecision(JournalCodec.EncodeSubWorkflowEnded(
                Runtime.NewEventId(), path, childId, end.Status, terminal is WorkflowCompletedEvent done ? done.Output : null, end.Failure));
        }

        if (end.Status == WorkflowStatus.Completed)
        {
            return end.Output!.Value.Deserialize(Runtime.GetTypeInfo(node.OutputType));
        }

        var message = end.Status == WorkflowStatus.Failed
            ? $"Sub-workflow '{path}' failed: {end.Failure}"
            : $"Sub-workflow '{path}' ended {end.Status.ToString().ToLowerInvariant()}.";
        throw new StepFailureSignal(path, 1, new WorkflowFailure(end.Status == WorkflowStatus.Failed ? "Workflow.SubWorkflowFailed" : "Workflow.SubWorkflowCanceled", message)
        {
            NonRetryable = true,
            StepPath = path,
            Cause = end.Failure,
        }, cause: null);
    }

    /// <summary>A child's id follows from its parent's id and its node's path, so a parent that runs again finds it.</summary>
    private string ChildInstanceId(string path)
    {
        var id = string.Concat(InstanceId, "/", path);
        return id.Length <= Client.StartWorkflowOptions.MaxInstanceIdLength
            ? id
            : "child-" + NameBasedGuid.Create(InstanceId, "child", path).ToString("N");
    }

    /// <summary>In a replay, a step the journal completed must come after the one before it in its block: a changed
    /// step order shows as a completion out of place. A step the journal has not completed is where replay stops.</summary>
    private long CheckReplayOrder(string path, long lastPosition)
    {
        if (!_state.TryGetStep(path, out var completed))
        {
            throw new SuspendSignal(wakeAt: null);
        }

        if (completed.Position < lastPosition)
        {
            throw new WorkflowNondeterminismException(
                InstanceId, $"step '{path}' comes after an earlier step in the definition, but the journal completed it before (at position {completed.Position}): the step order changed.");
        }

        (_replayed ??= new HashSet<string>(StringComparer.Ordinal)).Add(path);
        return completed.Position;
    }

    /// <summary>Walks the definition over the journal without running anything, and reports the first place where
    /// they disagree, or <see langword="null"/> when the journal replays.</summary>
    public async Task<string?> ReplayAsync()
    {
        try
        {
            await RunRootAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SuspendSignal)
        {
            // The journal ends here: the instance was in flight when it was recorded.
        }
        catch (WorkflowNondeterminismException ex)
        {
            return ex.Message;
        }
        catch (StepFailureSignal failure) when (_state.Failure?.StepPath != failure.StepPath)
        {
            return $"Workflow instance '{InstanceId}' cannot be replayed on its definition: it fails at '{failure.StepPath}' ({failure.Failure}), which the journal does not record.";
        }
        catch (StepFailureSignal)
        {
            // The recorded instance failed there too.
        }

        var unreached = _state.CompletedStepsNewestFirst().Select(static s => s.Path).Where(p => _replayed?.Contains(p) != true).Reverse().ToList();
        return unreached.Count == 0
            ? null
            : $"Workflow instance '{InstanceId}' cannot be replayed on its definition: the journal completed {string.Join(", ", unreached.Select(static p => $"'{p}'"))}, which the definition does not reach (removed, renamed or moved).";
    }

    private void ThrowIfCanceled(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_state.CancelRequested)
        {
            throw new OperationCanceledException("The instance was canceled.");
        }
    }

    /// <summary>Runs <paramref name="count"/> bodies, at most <paramref name="parallelism"/> at once. When one fails,
    /// the others are canceled; the error that wins is a fence, then a step failure (the lowest index), then a cancellation.</summary>
    private static async ValueTask<object?[]> RunConcurrentlyAsync(
        int count, int parallelism, Func<int, CancellationToken, ValueTask<object?>> body, CancellationToken cancellationToken)
    {
        var outputs = new object?[count];
        if (count == 0)
        {
            return outputs;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var errors = new Exception?[count];
        var next = -1;

        async Task WorkerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    linked.Token.ThrowIfCancellationRequested();
                    outputs[index] = await body(index, linked.Token).ConfigureAwait(false);
                }
                catch (SuspendSignal suspend)
                {
                    // A waiting branch does not stop its siblings: they run on until they end or wait too.
                    errors[index] = suspend;
                }
                catch (Exception ex)
                {
                    errors[index] = ex;
                    await linked.CancelAsync().ConfigureAwait(false);
                }
            }
        }

        var workers = new Task[Math.Min(count, parallelism)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkerAsync();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var winner = errors.FirstOrDefault(static e => e is RunFencedSignal or RunStoppingSignal)
            ?? errors.FirstOrDefault(static e => e is StepFailureSignal or WorkflowNondeterminismException)
            ?? errors.FirstOrDefault(static e => e is not null and not OperationCanceledException and not SuspendSignal)
            ?? Suspension(errors)
            ?? errors.FirstOrDefault(static e => e is not null);
        if (winner is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(winner);
        }

        return outputs;
    }

    private static SuspendSignal? Suspension(Exception?[] errors)
    {
        SuspendSignal? suspended = null;
        foreach (var error in errors)
        {
            if (error is SuspendSignal suspend)
            {
                suspended = suspended is null ? suspend : new SuspendSignal(SuspendSignal.Earliest(suspended.WakeAt, suspend.WakeAt));
            }
        }

        return suspended;
    }

    /// <summary>Runs a user callback of the graph (a condition, a selector, a join): when it throws, the instance
    /// fails at <paramref name="path"/>, without retries: the callback depends only on journaled values.</summary>
    private T Evaluate<T>(string path, Func<T> callback)
    {
        try
        {
            return callback();
        }
        catch (Exception ex) when (ex is not (StepFailureSignal or RunFencedSignal or RunStoppingSignal or SuspendSignal or OperationCanceledException))
        {
            var failure = Runtime.FailureConverter.ToFailure(ex);
            throw new StepFailureSignal(path, 1, new WorkflowFailure(failure.ErrorType, failure.Message)
            {
                StackTrace = failure.StackTrace,
                Details = failure.Details,
                Cause = failure.Cause,
                NonRetryable = true,
                StepPath = path,
            }, ex);
        }
    }

    private static string IndexedPath(string path, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
