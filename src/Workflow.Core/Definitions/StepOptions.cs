using Polly;
using Polly.Retry;

namespace Workflow.Definitions;

/// <summary>
/// How a step is retried and timed out: Polly.Core strategies that the runtime builds on its own
/// <see cref="TimeProvider"/>, so tests drive backoff and timeouts with a fake clock.
/// </summary>
/// <remarks>
/// Options given to a step replace the workflow-wide default (set with
/// <see cref="WorkflowBuilder{TInput, TCurrent}.WithDefaultStepOptions(StepOptions)"/>) as a whole. The builder
/// takes a copy, so changing an instance after passing it has no effect. A step that throws
/// <see cref="Exceptions.StepFailedException"/> with <c>NonRetryable</c> set, or whose output cannot be serialized,
/// is never retried.
/// </remarks>
public sealed class StepOptions
{
    /// <summary>Initializes options with no retry and no timeout.</summary>
    public StepOptions()
    {
    }

    private StepOptions(StepOptions other)
    {
        Retry = other.Retry;
        Timeout = other.Timeout;
        ConfigurePipeline = other.ConfigurePipeline;
        DeferCommit = other.DeferCommit;
    }

    /// <summary>Gets or sets the retry strategy: attempts, delay, backoff type, jitter and which errors to retry.</summary>
    /// <value>The default value is <see langword="null"/>: a failed step is not retried.</value>
    public RetryStrategyOptions? Retry { get; set; }

    /// <summary>Gets or sets the timeout of each attempt; the step's cancellation token fires when it passes.</summary>
    /// <value>The default value is <see langword="null"/>: no timeout.</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets a callback that adds more Polly strategies (a circuit breaker, a rate limiter) inside
    /// the retry and timeout strategies.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<ResiliencePipelineBuilder>? ConfigurePipeline { get; set; }

    /// <summary>Gets or sets whether the step's completion is journaled with the run's next commit (the next step's
    /// completion, a wait, a retry or the workflow's end) instead of in a commit of its own.</summary>
    /// <value>The default value is <see langword="false"/>: each completion is durable before the next step starts.</value>
    /// <remarks>
    /// A deferred completion saves one store commit, the larger part of a short step's cost on a durable store; steps
    /// deferred one after another share a commit. The price: when the node dies before that commit, the step runs
    /// again, with the steps after it, as any step whose completion was not journaled does. Defer short steps that are
    /// safe to repeat (a computation, a read), not steps with side effects that must happen once. Watchers see a
    /// deferred completion when it is journaled. A graceful shutdown journals deferred completions before it hands the
    /// instance on.
    /// </remarks>
    public bool DeferCommit { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public StepOptions Clone() => new(this);
}
