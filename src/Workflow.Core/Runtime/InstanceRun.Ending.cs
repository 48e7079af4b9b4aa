using System.Globalization;
using Workflow.Definitions.Nodes;
using Workflow.Internal;
using Workflow.Runtime.Journal;

namespace Workflow.Runtime;

internal sealed partial class InstanceRun
{
    private volatile bool _deadlineReached;

    /// <summary>Gets the workflow-wide deadline of this instance, or <see langword="null"/>.</summary>
    private DateTimeOffset? Deadline => Definition.Deadline is { } limit && _state.CreatedAt is { } created ? created + limit : null;

    private bool DeadlinePassed => _deadlineReached || (Deadline is { } deadline && Runtime.TimeProvider.GetUtcNow() >= deadline);

    private WorkflowFailure DeadlineFailure() =>
        new("Workflow.DeadlineExceeded", string.Create(CultureInfo.InvariantCulture, $"The instance did not finish within its deadline of {Definition.Deadline} (by {Deadline:O})."))
        {
            NonRetryable = true,
        };

    /// <summary>Cancels the running steps when the deadline passes during the run.</summary>
    private ITimer? StartDeadlineTimer()
    {
        if (Deadline is not { } deadline)
        {
            return null;
        }

        var remaining = deadline - Runtime.TimeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }

        return Runtime.TimeProvider.CreateTimer(
            static run =>
            {
                var self = (InstanceRun)run!;
                self._deadlineReached = true;
                self.CancelSteps();
            },
            this,
            remaining,
            Timeout.InfiniteTimeSpan);
    }

    /// <summary>The completed steps that declare a compensation and have not been compensated, newest first.</summary>
    private List<(string Path, StepNode Step, InstanceState.CompletedStep Completed)> CompensationsDue()
    {
        var due = new List<(string, StepNode, InstanceState.CompletedStep)>();
        foreach (var (path, completed) in _state.CompletedStepsNewestFirst())
        {
            var name = path[(path.LastIndexOf('/') + 1)..];
            if (Definition.TryFindStep(name, out var step, out _) && step.Compensation is not null && !_state.IsCompensated(path))
            {
                due.Add((path, step, completed));
            }
        }

        return due;
    }

    /// <summary>Runs compensations one by one, each retried per its step's options and journaled; a compensation that
    /// fails for good is journaled too, and the others still run. Only a lost lease or shutdown stops them.</summary>
    private async Task CompensateAsync(List<(string Path, StepNode Step, InstanceState.CompletedStep Completed)> compensations)
    {
        foreach (var (path, step, completed) in compensations)
        {
            ThrowIfFenced();
            var output = completed.HasLiveValue ? completed.LiveValue : completed.Output.Deserialize(Runtime.GetTypeInfo(step.OutputType));
            var separator = path.LastIndexOf('/');
            var scope = separator < 0 ? RunScope.Root : RunScope.Root.Enter(path[..separator]);
            var execution = new StepExecution(this, step, scope, path, output, firstAttempt: 1, compensation: true);
            var fenced = FenceToken;
            try
            {
                await execution.RunAsync(Runtime.GetPipeline(Definition, step), fenced).ConfigureAwait(false);
                await CommitAsync([JournalCodec.EncodeStepCompensated(Runtime.NewEventId(), path, execution.Attempt)], complete: false, status: null).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStepError(ex, execution, fenced))
            {
                var failure = Runtime.FailureConverter.ToFailure(ex).WithStepPath(path);
                Log.CompensationFailed(Logger, ex, path, InstanceId, execution.Attempt);
                await CommitAsync([JournalCodec.EncodeStepCompensationFailed(Runtime.NewEventId(), path, execution.Attempt, failure)], complete: false, status: null).ConfigureAwait(false);
            }

            _state.RecordCompensated(path);
        }
    }
}
