using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Workflow.Definitions.Nodes;
using Workflow.Steps;

namespace Workflow.Definitions;

/// <summary>
/// Composes a workflow step by step. <typeparamref name="TCurrent"/> is the output of the last step, which the
/// compiler checks against the input of the next one. Each call returns a new builder for the next type: continue
/// from the returned builder, once.
/// </summary>
/// <typeparam name="TInput">The input type of the workflow.</typeparam>
/// <typeparam name="TCurrent">The output type of the steps so far, the input of the next step.</typeparam>
public sealed partial class WorkflowBuilder<TInput, TCurrent>
{
    private readonly DefinitionDraft _draft;
    private readonly FlowBlock _block;
    private bool _continued;

    internal WorkflowBuilder(DefinitionDraft draft, FlowBlock block)
    {
        _draft = draft;
        _block = block;
    }

    private bool IsRoot => ReferenceEquals(_block, _draft.Root);

    /// <summary>Sets the description of the workflow, shown in listings and tool descriptions.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">Called inside a branch, loop or for-each body.</exception>
    public WorkflowBuilder<TInput, TCurrent> WithDescription(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        EnsureRoot(nameof(WithDescription));
        _draft.Description = description;
        return this;
    }

    /// <summary>Sets the retry and timeout policy of every step that does not set its own.</summary>
    /// <param name="options">The options; the builder keeps a copy.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">Called inside a branch, loop or for-each body.</exception>
    public WorkflowBuilder<TInput, TCurrent> WithDefaultStepOptions(StepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureRoot(nameof(WithDefaultStepOptions));
        _draft.DefaultStepOptions = options.Clone();
        return this;
    }

    /// <summary>Gives every instance a deadline: if it has not ended that long after its start, its running steps are
    /// canceled, its completed steps compensated, and it fails with the error type <c>Workflow.DeadlineExceeded</c>.</summary>
    /// <param name="deadline">How long an instance may take; positive.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">Called inside a branch, loop or for-each body.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is not positive.</exception>
    public WorkflowBuilder<TInput, TCurrent> WithDeadline(TimeSpan deadline)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        EnsureRoot(nameof(WithDeadline));
        _draft.Deadline = deadline;
        return this;
    }

    /// <summary>Adds an asynchronous step.</summary>
    /// <typeparam name="TOutput">The output of the step, journaled when it completes.</typeparam>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="step">The step: it gets the input, the step context and a cancellation token.</param>
    /// <param name="options">Retry and timeout for this step, replacing the workflow's default; the builder keeps a copy.</param>
    /// <param name="compensate">Undoes the step, given its output, when a later step fails for good or the instance
    /// is canceled (a saga): completed steps are compensated in reverse order, each journaled and retried per the
    /// step's options.</param>
    /// <returns>The builder for the next step.</returns>
    public WorkflowBuilder<TInput, TOutput> Then<TOutput>(
        string name,
        Func<TCurrent, StepContext, CancellationToken, Task<TOutput>> step,
        StepOptions? options = null,
        Func<TOutput, StepContext, CancellationToken, Task>? compensate = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return AddStep<TOutput>(name, async (input, context, cancellationToken) =>
            await step((TCurrent)input!, context, cancellationToken).ConfigureAwait(false), options, stepClass: null, Compensation(compensate));
    }

    /// <summary>Adds an asynchronous step that produces no new value: the next step gets this step's input.</summary>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="step">The step: it gets the input, the step context and a cancellation token.</param>
    /// <param name="options">Retry and timeout for this step, replacing the workflow's default; the builder keeps a copy.</param>
    /// <param name="compensate">Undoes the step, given its input, when a later step fails for good or the instance is canceled.</param>
    /// <returns>The builder for the next step, whose input is still <typeparamref name="TCurrent"/>.</returns>
    public WorkflowBuilder<TInput, TCurrent> Then(
        string name,
        Func<TCurrent, StepContext, CancellationToken, Task> step,
        StepOptions? options = null,
        Func<TCurrent, StepContext, CancellationToken, Task>? compensate = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return AddStep<TCurrent>(name, async (input, context, cancellationToken) =>
        {
            await step((TCurrent)input!, context, cancellationToken).ConfigureAwait(false);
            return input;
        }, options, stepClass: null, Compensation(compensate));
    }

    /// <summary>Adds a synchronous step.</summary>
    /// <typeparam name="TOutput">The output of the step, journaled when it completes.</typeparam>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="step">The step.</param>
    /// <param name="options">Retry and timeout for this step, replacing the workflow's default; the builder keeps a copy.</param>
    /// <param name="compensate">Undoes the step, given its output, when a later step fails for good or the instance is canceled.</param>
    /// <returns>The builder for the next step.</returns>
    public WorkflowBuilder<TInput, TOutput> Then<TOutput>(
        string name, Func<TCurrent, TOutput> step, StepOptions? options = null, Func<TOutput, StepContext, CancellationToken, Task>? compensate = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return AddStep<TOutput>(name, (input, _, _) => new ValueTask<object?>(step((TCurrent)input!)), options, stepClass: null, Compensation(compensate));
    }

    /// <summary>Adds a step implemented by a class, resolved from the step's service scope (or created with its
    /// constructor's dependencies from that scope when it is not registered).</summary>
    /// <typeparam name="TStep">The step class.</typeparam>
    /// <typeparam name="TOutput">The output of the step, journaled when it completes.</typeparam>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="options">Retry and timeout for this step, replacing the workflow's default; the builder keeps a copy.</param>
    /// <returns>The builder for the next step.</returns>
    public WorkflowBuilder<TInput, TOutput> Then<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStep, TOutput>(
        string name, StepOptions? options = null)
        where TStep : class, IWorkflowStep<TCurrent, TOutput>
        => AddStep<TOutput>(name, static (input, context, cancellationToken) => RunStepClassAsync<TStep, TOutput>(input, context, cancellationToken), options, typeof(TStep));

    /// <summary>Takes one of two arms, depending on a condition of the current value. The arm taken is journaled,
    /// so a replay takes the same arm even if the condition's code changed.</summary>
    /// <typeparam name="TOutput">The output of both arms.</typeparam>
    /// <param name="name">The branch's name, unique in the workflow; it is part of the step path of the arms' steps.</param>
    /// <param name="condition">The condition; it must depend only on its argument.</param>
    /// <param name="whenTrue">Builds the arm taken when the condition holds.</param>
    /// <param name="whenFalse">Builds the arm taken otherwise.</param>
    /// <returns>The builder for the step after the branch.</returns>
    public WorkflowBuilder<TInput, TOutput> Branch<TOutput>(
        string name,
        Func<TCurrent, bool> condition,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> whenTrue,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>> whenFalse)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(whenTrue);
        ArgumentNullException.ThrowIfNull(whenFalse);
        var arms = new[]
        {
            new BranchArm("true", BuildNested(whenTrue)),
            new BranchArm("false", BuildNested(whenFalse)),
        };
        var node = new BranchNode(
            name, typeof(TCurrent), typeof(TOutput), input => condition((TCurrent)input!) ? "true" : "false", arms, defaultArm: null, isSwitch: false);
        return Append<TOutput>(node);
    }

    /// <summary>Takes one of several arms, chosen by a key computed from the current value. Add arms with
    /// <c>Case</c>, then end with <c>Default</c> or <c>EndSwitch</c>.</summary>
    /// <typeparam name="TKey">The type of the key; each case's key must have a distinct invariant string form.</typeparam>
    /// <param name="name">The switch's name, unique in the workflow; it is part of the step path of the arms' steps.</param>
    /// <param name="selector">Computes the key; it must depend only on its argument.</param>
    /// <returns>The builder of the switch's cases.</returns>
    public SwitchBuilder<TInput, TCurrent, TKey> Switch<TKey>(string name, Func<TCurrent, TKey> selector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new SwitchBuilder<TInput, TCurrent, TKey>(this, name, selector);
    }

    /// <summary>Runs two branches on the current value at once and joins their outputs.</summary>
    /// <typeparam name="T1">The output of the first branch.</typeparam>
    /// <typeparam name="T2">The output of the second branch.</typeparam>
    /// <typeparam name="TOutput">The joined output.</typeparam>
    /// <param name="name">The name of the parallel block, unique in the workflow.</param>
    /// <param name="first">Builds the first branch.</param>
    /// <param name="second">Builds the second branch.</param>
    /// <param name="join">Joins the outputs; it must depend only on its arguments.</param>
    /// <returns>The builder for the step after the parallel block.</returns>
    public WorkflowBuilder<TInput, TOutput> Parallel<T1, T2, TOutput>(
        string name,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, T1>> first,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, T2>> second,
        Func<T1, T2, TOutput> join)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(join);
        FlowBlock[] branches = [BuildNested(first), BuildNested(second)];
        return Append<TOutput>(new ParallelNode(
            name, typeof(TCurrent), typeof(TOutput), branches, outputs => join((T1)outputs[0]!, (T2)outputs[1]!)));
    }

    /// <summary>Runs three branches on the current value at once and joins their outputs.</summary>
    /// <typeparam name="T1">The output of the first branch.</typeparam>
    /// <typeparam name="T2">The output of the second branch.</typeparam>
    /// <typeparam name="T3">The output of the third branch.</typeparam>
    /// <typeparam name="TOutput">The joined output.</typeparam>
    /// <param name="name">The name of the parallel block, unique in the workflow.</param>
    /// <param name="first">Builds the first branch.</param>
    /// <param name="second">Builds the second branch.</param>
    /// <param name="third">Builds the third branch.</param>
    /// <param name="join">Joins the outputs; it must depend only on its arguments.</param>
    /// <returns>The builder for the step after the parallel block.</returns>
    public WorkflowBuilder<TInput, TOutput> Parallel<T1, T2, T3, TOutput>(
        string name,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, T1>> first,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, T2>> second,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, T3>> third,
        Func<T1, T2, T3, TOutput> join)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(third);
        ArgumentNullException.ThrowIfNull(join);
        FlowBlock[] branches = [BuildNested(first), BuildNested(second), BuildNested(third)];
        return Append<TOutput>(new ParallelNode(
            name, typeof(TCurrent), typeof(TOutput), branches, outputs => join((T1)outputs[0]!, (T2)outputs[1]!, (T3)outputs[2]!)));
    }

    /// <summary>Runs any number of branches of the same output type on the current value at once.</summary>
    /// <typeparam name="TOutput">The output of every branch.</typeparam>
    /// <param name="name">The name of the parallel block, unique in the workflow.</param>
    /// <param name="branches">Builds each branch.</param>
    /// <returns>The builder for the step after the parallel block, whose input is the branches' outputs in order.</returns>
    public WorkflowBuilder<TInput, IReadOnlyList<TOutput>> Parallel<TOutput>(
        string name, params Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TOutput>>[] branches)
    {
        ArgumentNullException.ThrowIfNull(branches);
        var blocks = new FlowBlock[branches.Length];
        for (var i = 0; i < branches.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(branches[i], nameof(branches));
            blocks[i] = BuildNested(branches[i]);
        }

        return Append<IReadOnlyList<TOutput>>(new ParallelNode(name, typeof(TCurrent), typeof(IReadOnlyList<TOutput>), blocks, CollectOutputs<TOutput>));
    }

    /// <summary>Runs a body for every item of a collection (fan-out), at most <paramref name="maxParallelism"/> at
    /// once, and collects the outputs in the items' order (fan-in). Each item's steps have the step path
    /// <c>name[index]/step</c>.</summary>
    /// <typeparam name="TItem">The type of the items.</typeparam>
    /// <typeparam name="TOutput">The output of the body for one item.</typeparam>
    /// <param name="name">The name of the for-each block, unique in the workflow.</param>
    /// <param name="items">Selects the items from the current value; it must depend only on its argument.</param>
    /// <param name="body">Builds the body run for each item.</param>
    /// <param name="maxParallelism">The most items processed at once; at least 1.</param>
    /// <returns>The builder for the step after the for-each block, whose input is the outputs in order.</returns>
    public WorkflowBuilder<TInput, IReadOnlyList<TOutput>> ForEach<TItem, TOutput>(
        string name,
        Func<TCurrent, IEnumerable<TItem>> items,
        Func<WorkflowBuilder<TInput, TItem>, WorkflowBuilder<TInput, TOutput>> body,
        int maxParallelism)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(body);
        var block = BuildNested(body);
        return Append<IReadOnlyList<TOutput>>(new ForEachNode(
            name,
            typeof(TCurrent),
            typeof(IReadOnlyList<TOutput>),
            input => SelectItems(items((TCurrent)input!), name),
            block,
            maxParallelism,
            CollectOutputs<TOutput>));
    }

    /// <summary>Runs a body again and again on its own output until a condition holds. Each iteration's steps have
    /// the step path <c>name[iteration]/step</c>; the decision to go on is journaled.</summary>
    /// <param name="name">The name of the loop, unique in the workflow.</param>
    /// <param name="body">Builds the body; its output is the next iteration's input.</param>
    /// <param name="until">The condition that ends the loop, checked after each iteration; it must depend only on its argument.</param>
    /// <param name="maxIterations">The most iterations; at least 1. When it is reached the loop ends with the last
    /// iteration's output, and the journal records that the limit was reached.</param>
    /// <param name="continueAsNewEvery">Every how many iterations the instance continues as new: its journal is replaced
    /// by one event carrying the loop's value and iteration, so a long or endless loop keeps a bounded history and
    /// steady step latency. 0 (the default) never does. Only a loop at the top level of the workflow, with no
    /// compensation declared at or before it, can continue as new; the iteration count (and
    /// <paramref name="maxIterations"/>) runs on across continuations.</param>
    /// <returns>The builder for the step after the loop.</returns>
    public WorkflowBuilder<TInput, TCurrent> Loop(
        string name,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, TCurrent>> body,
        Func<TCurrent, bool> until,
        int maxIterations,
        int continueAsNewEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(until);
        var block = BuildNested(body);
        return Append<TCurrent>(new LoopNode(name, typeof(TCurrent), block, value => until((TCurrent)value!), maxIterations, continueAsNewEvery));
    }

    /// <summary>Validates the workflow and builds its definition.</summary>
    /// <returns>The definition, ready to be registered with <c>AddWorkflow</c>.</returns>
    /// <exception cref="Exceptions.WorkflowDefinitionException">The workflow has problems; the exception lists all of them.</exception>
    /// <exception cref="InvalidOperationException">Called on the builder of a branch, loop or for-each body, or twice.</exception>
    public WorkflowDefinition<TInput, TCurrent> Build()
    {
        EnsureRoot(nameof(Build));
        if (_draft.Built)
        {
            throw new InvalidOperationException($"Workflow '{_draft.Name}' was already built; use the definition Build() returned.");
        }

        if (_continued)
        {
            throw new InvalidOperationException(
                $"Build() must be called on the last builder of workflow '{_draft.Name}': this one was continued with another step.");
        }

        var definition = new WorkflowDefinition<TInput, TCurrent>(_draft.Name, _draft.Version, _draft.Description, _draft.Root, _draft.DefaultStepOptions, _draft.Deadline);
        definition.ThrowIfInvalid(serializerOptions: null);
        _draft.Built = true;
        return definition;
    }

    internal WorkflowBuilder<TInput, TOutput> Append<TOutput>(FlowNode node)
    {
        if (_draft.Built)
        {
            throw new InvalidOperationException($"Workflow '{_draft.Name}' was already built; a built definition cannot change.");
        }

        if (_continued)
        {
            throw new InvalidOperationException(
                "This builder was already continued. Each call returns a new builder: continue from the builder the previous call returned.");
        }

        _continued = true;
        _block.Nodes.Add(node);
        return new WorkflowBuilder<TInput, TOutput>(_draft, _block);
    }

    internal FlowBlock BuildNested<TIn, TOut>(Func<WorkflowBuilder<TInput, TIn>, WorkflowBuilder<TInput, TOut>> build)
    {
        var block = new FlowBlock(typeof(TIn));
        var end = build(new WorkflowBuilder<TInput, TIn>(_draft, block))
            ?? throw new InvalidOperationException("A branch, loop or for-each body returned null: return the builder you were given, after adding its steps.");
        if (!ReferenceEquals(end._block, block))
        {
            throw new InvalidOperationException(
                "A branch, loop or for-each body returned a builder it was not given: return the builder you were given, after adding its steps.");
        }

        return block;
    }

    private WorkflowBuilder<TInput, TOutput> AddStep<TOutput>(string name, StepInvoker invoker, StepOptions? options, Type? stepClass, StepInvoker? compensation = null) =>
        Append<TOutput>(new StepNode(name, typeof(TCurrent), typeof(TOutput), invoker, options?.Clone(), stepClass, compensation));

    private static StepInvoker? Compensation<T>(Func<T, StepContext, CancellationToken, Task>? compensate) =>
        compensate is null
            ? null
            : async (output, context, cancellationToken) =>
            {
                await compensate((T)output!, context, cancellationToken).ConfigureAwait(false);
                return null;
            };

    private void EnsureRoot(string method)
    {
        if (!IsRoot)
        {
            throw new InvalidOperationException(
                $"{method}() applies to the whole workflow: call it on the builder WorkflowDefinition.Create returned (or its continuations), not inside a branch, loop or for-each body.");
        }
    }

    private static TOutput[] CollectOutputs<TOutput>(object?[] outputs)
    {
        var result = new TOutput[outputs.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            result[i] = (TOutput)outputs[i]!;
        }

        return result;
    }

    private static List<object?> SelectItems<TItem>(IEnumerable<TItem>? items, string name)
    {
        if (items is null)
        {
            throw new InvalidOperationException($"The items selector of for-each '{name}' returned null; return an empty collection instead.");
        }

        var list = new List<object?>();
        foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static async ValueTask<object?> RunStepClassAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStep, TOutput>(object? input, StepContext context, CancellationToken cancellationToken)
        where TStep : class, IWorkflowStep<TCurrent, TOutput>
    {
        var registered = context.Services.GetService<TStep>();
        var step = registered ?? ActivatorUtilities.CreateInstance<TStep>(context.Services);
        try
        {
            return await step.ExecuteAsync((TCurrent)input!, context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (registered is null)
            {
                switch (step)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        }
    }
}
