using Workflow.AI.Steps;
using Workflow.Definitions;
using Workflow.Steps;

namespace Workflow.AI;

/// <summary>An extract step waiting for its value type: call <see cref="Into{T}"/> to add it to the workflow. (The
/// value type comes last because C# cannot infer the builder's type arguments when one is given explicitly.)</summary>
/// <typeparam name="TInput">The workflow's input type.</typeparam>
/// <typeparam name="TCurrent">The step's input type.</typeparam>
public sealed class ExtractStepBuilder<TInput, TCurrent>
{
    private readonly WorkflowBuilder<TInput, TCurrent> _builder;
    private readonly string _name;
    private readonly Func<TCurrent, string> _prompt;
    private readonly ExtractOptions _options;
    private readonly StepOptions? _stepOptions;

    internal ExtractStepBuilder(WorkflowBuilder<TInput, TCurrent> builder, string name, Func<TCurrent, string> prompt, ExtractOptions options, StepOptions? stepOptions)
    {
        _builder = builder;
        _name = name;
        _prompt = prompt;
        _options = options;
        _stepOptions = stepOptions;
    }

    /// <summary>Adds the step: it asks the model for a <typeparamref name="T"/> as JSON, validates the reply against
    /// <typeparamref name="T"/>'s JSON schema, has the model repair the violations (each named by its JSONPath and rule)
    /// up to <see cref="ExtractOptions.MaxRepairAttempts"/> times, and outputs the value. When the reply still breaks the
    /// schema, the step fails for good with <see cref="AIErrorTypes.StructuredOutputInvalid"/>, the violations in the
    /// failure's details.</summary>
    /// <typeparam name="T">The type to extract; its JSON schema is derived from it (data annotations such as
    /// <c>[Range]</c> and <c>[Description]</c> included).</typeparam>
    /// <returns>The builder for the next step, whose input is the value.</returns>
    public WorkflowBuilder<TInput, T> Into<T>()
    {
        var prompt = _prompt;
        var options = _options;
        return _builder.Then<T>(_name, async (input, context, cancellationToken) =>
        {
            try
            {
                return await context.ExtractAsync<T>(prompt(input), options, cancellationToken).ConfigureAwait(false);
            }
            catch (StructuredOutputException ex)
            {
                throw AIStepFailures.From(ex);
            }
        }, _stepOptions);
    }
}
