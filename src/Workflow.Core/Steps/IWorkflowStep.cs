namespace Workflow.Steps;

/// <summary>A step implemented as a class, added with <c>Then&lt;TStep, TOutput&gt;(name)</c>. The step is resolved
/// from the step's service scope (or created with its constructor's dependencies from it), so it can take any
/// registered service.</summary>
/// <typeparam name="TInput">The step's input: the previous step's output.</typeparam>
/// <typeparam name="TOutput">The step's output, journaled when the step completes.</typeparam>
public interface IWorkflowStep<in TInput, TOutput>
{
    /// <summary>Runs the step. It may run more than once (retries, recovery after a crash): use
    /// <see cref="StepContext.IdempotencyKey"/> with external systems and <see cref="StepContext.RunOnceAsync{T}"/>
    /// for sub-results that must not be repeated.</summary>
    /// <param name="input">The input.</param>
    /// <param name="context">The step's context.</param>
    /// <param name="cancellationToken">Fires when the attempt times out, the instance is canceled or the node stops.</param>
    /// <returns>The output.</returns>
    ValueTask<TOutput> ExecuteAsync(TInput input, StepContext context, CancellationToken cancellationToken);
}
