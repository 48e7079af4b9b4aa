using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Workflow.Client;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;
using Workflow.Internal;
using Workflow.Runtime.Journal;
using Workflow.Steps;
using Workflow.Telemetry;

namespace Workflow.Runtime;

internal sealed partial class InstanceRun
{
    internal static readonly ResiliencePropertyKey<StepExecution> ExecutionKey = new("workflow.step-execution");

    /// <summary>Runs a step, or replays its journaled output.</summary>
    /// <param name="step">The step.</param>
    /// <param name="scope">Where it runs.</param>
    /// <param name="input">Its input.</param>
    /// <param name="cancellationToken">Canceled when the run must stop.</param>
    /// <param name="isFinal">Whether it is the workflow's last node: its completion is then journaled with the
    /// workflow's end, in one commit (a crash before that commit runs it again, as it would any step whose completion
    /// was not journaled).</param>
    private async ValueTask<object?> RunStepAsync(StepNode step, RunScope scope, object? input, CancellationToken cancellationToken, bool isFinal = false)
    {
        var path = scope.PathOf(step.Name);
        if (_state.TryGetStep(path, out var completed))
        {
            return completed.HasLiveValue ? completed.LiveValue : ReadJournaledOutput(path, completed, step.OutputType);
        }

        if (_replayOnly)
        {
            throw new SuspendSignal(wakeAt: null);
        }

        if (_stopRequested || !Runtime.IsRunning)
        {
            throw new RunStoppingSignal();
        }

        ThrowIfFenced();
        ThrowIfCanceled(cancellationToken);
        var execution = new StepExecution(this, step, scope, path, input, _state.FailedAttempts(path) + 1);
        using var activity = StartStepActivity(step, path);
        StepResult result;
        try
        {
            result = await execution.RunAsync(Runtime.GetPipeline(Definition, step), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStepError(ex, execution, cancellationToken))
        {
            var failure = Runtime.FailureConverter.ToFailure(ex).WithStepPath(path);
            activity?.SetTag(WorkflowInstrumentation.StepAttemptTag, execution.Attempt);
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            activity?.AddException(ex);
            Log.StepFailed(Logger, ex, path, InstanceId, execution.Attempt);
            throw new StepFailureSignal(path, execution.Attempt, failure, ex);
        }

        var completion = JournalCodec.EncodeStepCompleted(Runtime.NewEventId(), path, execution.Attempt, result.Bytes, result.Metadata);
        if (isFinal && !_stopRequested)
        {
            DeferFinalStep(completion);
        }
        else if (Definition.OptionsOf(step)?.DeferCommit == true && !_stopRequested)
        {
            DeferStep(completion);
        }
        else
        {
            await CommitAsync([completion], complete: false, status: null).ConfigureAwait(false);
        }

        _state.RecordStep(path, result.Output, result.Bytes);
        activity?.SetTag(WorkflowInstrumentation.StepAttemptTag, execution.Attempt);
        activity?.SetStatus(ActivityStatusCode.Ok);
        if (Runtime.Options.EnableSensitiveData && Logger.IsEnabled(LogLevel.Trace))
        {
            Log.StepCompleted(Logger, path, InstanceId, System.Text.Encoding.UTF8.GetString(result.Bytes));
        }

        return result.Output;
    }

    /// <summary>Reads a journaled output back; one that no longer fits the step's type means the definition changed.</summary>
    private object? ReadJournaledOutput(string path, InstanceState.CompletedStep completed, Type type)
    {
        try
        {
            return completed.Output.Deserialize(Runtime.GetTypeInfo(type));
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new WorkflowNondeterminismException(InstanceId, $"the journaled output of step '{path}' does not fit its type {type.Name}: {ex.Message}");
        }
    }

    private bool IsStepError(Exception exception, StepExecution execution, CancellationToken cancellationToken) =>
        exception is not (RunFencedSignal or RunStoppingSignal or StepFailureSignal or SuspendSignal)
        && _fencedReason is null
        && execution.JournalError is null
        && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private Activity? StartStepActivity(StepNode step, string path)
    {
        if (!WorkflowInstrumentation.Source.HasListeners())
        {
            return null;
        }

        var activity = WorkflowInstrumentation.Source.StartActivity("execute_step " + step.Name);
        activity?.SetTag(WorkflowInstrumentation.WorkflowNameTag, Definition.Name);
        activity?.SetTag(WorkflowInstrumentation.StepNameTag, step.Name);
        activity?.SetTag(WorkflowInstrumentation.StepPathTag, path);
        activity?.SetTag(WorkflowInstrumentation.InstanceIdTag, InstanceId);
        return activity;
    }

    internal readonly record struct StepResult(object? Output, byte[] Bytes, IReadOnlyDictionary<string, string>? Metadata);

    /// <summary>The attempts of one step in one run: the attempt number, and the retries journaled as they happen.</summary>
    internal sealed class StepExecution(InstanceRun run, StepNode step, RunScope scope, string path, object? input, int firstAttempt, bool compensation = false)
    {
        public int Attempt { get; private set; } = firstAttempt;

        /// <summary>Gets the error of a failed journal write during a retry: a store problem, not a step failure.</summary>
        public Exception? JournalError { get; private set; }

        public async ValueTask<StepResult> RunAsync(ResiliencePipeline? pipeline, CancellationToken cancellationToken)
        {
            if (pipeline is null)
            {
                return await RunAttemptAsync(cancellationToken).ConfigureAwait(false);
            }

            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            try
            {
                context.Properties.Set(ExecutionKey, this);
                return await pipeline.ExecuteAsync(
                    static (context, execution) => execution.RunAttemptAsync(context.CancellationToken), context, this).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        public async ValueTask<StepResult> RunAttemptAsync(CancellationToken cancellationToken)
        {
            var runtime = run.Runtime;
            if (runtime.Updates.HasSubscribers(run.InstanceId))
            {
                runtime.Updates.Publish(new StepStartedUpdate(run.InstanceId, path, Attempt));
            }

            var started = WorkflowInstrumentation.StepDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            var context = new StepContext(run, step, scope, path, Attempt, cancellationToken);
            var outcome = "failed";
            try
            {
                if (compensation)
                {
                    await step.Compensation!(input, context, cancellationToken).ConfigureAwait(false);
                    outcome = "compensated";
                    return new StepResult(null, [], null);
                }

                var output = await step.Invoker(input, context, cancellationToken).ConfigureAwait(false);
                var bytes = runtime.Serialize(output, step.OutputType, "the output of step '{0}'", path);
                outcome = "completed";
                return new StepResult(output, bytes, context.Metadata);
            }
            finally
            {
                await context.ReleaseAsync().ConfigureAwait(false);
                if (started != 0)
                {
                    WorkflowInstrumentation.StepDuration.Record(
                        Stopwatch.GetElapsedTime(started).TotalSeconds,
                        new KeyValuePair<string, object?>(WorkflowInstrumentation.WorkflowNameTag, run.Definition.Name),
                        new KeyValuePair<string, object?>(WorkflowInstrumentation.StepNameTag, step.Name),
                        new KeyValuePair<string, object?>(WorkflowInstrumentation.StepOutcomeTag, outcome));
                }
            }
        }

        /// <summary>Journals a failed attempt before the retry's delay, so the history and the next attempt number
        /// survive a crash during the delay.</summary>
        public async ValueTask OnRetryAsync(Exception? exception, TimeSpan retryDelay)
        {
            if (compensation)
            {
                // A compensation's attempts are not journaled one by one: its outcome is.
                if (exception is not null)
                {
                    Log.StepRetrying(run.Logger, exception, path, run.InstanceId, Attempt, retryDelay);
                }

                Attempt++;
                return;
            }

            var failure = (exception is null
                ? new WorkflowFailure("Workflow.UnexpectedResult", "The attempt was retried without an exception.")
                : run.Runtime.FailureConverter.ToFailure(exception)).WithStepPath(path);
            try
            {
                await run.CommitAsync(
                    [JournalCodec.EncodeStepAttemptFailed(run.Runtime.NewEventId(), path, Attempt, failure, retryDelay)],
                    complete: false,
                    status: null).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                JournalError = ex;
                throw;
            }

            run._state.RecordFailedAttempt(path, Attempt);
            if (exception is not null)
            {
                Log.StepRetrying(run.Logger, exception, path, run.InstanceId, Attempt, retryDelay);
            }

            Attempt++;
        }
    }
}
