using Workflow.AI;
using Workflow.AI.Steps;
using Workflow.Steps;

namespace Workflow.Definitions;

/// <summary>
/// The AI steps of the workflow builder: <c>Prompt</c> (input to text), <c>Extract(...).Into&lt;T&gt;()</c> (input to a
/// typed value validated against its JSON schema) and <c>Agent</c> (a model with tools, to a final answer). Each adds an
/// ordinary step, so retries, timeouts, journaling and step paths work as for any other; in addition, each model call
/// and tool result inside the step is journaled, so a retried or recovered step does not call the model again for
/// completed calls.
/// </summary>
/// <remarks>
/// A prompt is a function of the step's input, or a template: text with placeholders over the input's JSON
/// properties, <c>"Summarize the ticket {title}: {body}"</c>, <c>{customer.name}</c> for nested ones, <c>{input}</c>
/// for the whole input, <c>{{</c> and <c>}}</c> for literal braces; a placeholder the input type does not have fails
/// when the step is added. The steps fail for good (not retried: a retry would replay the same replies) with the
/// error types of <see cref="AIErrorTypes"/>; a provider that cannot be reached fails the attempt with
/// <see cref="ChatProviderUnavailableException"/>, which the step's retry policy may retry.
/// </remarks>
public static class AIStepExtensions
{
    /// <summary>Adds a step that sends a prompt made from its input to a model and outputs the reply's text.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="prompt">Makes the prompt from the step's input.</param>
    /// <param name="options">The provider, instructions and chat options; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The builder for the next step, whose input is the reply's text.</returns>
    public static WorkflowBuilder<TInput, string> Prompt<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, Func<TCurrent, string> prompt, PromptOptions? options = null, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(prompt);
        var settings = options?.Clone() ?? new PromptOptions();
        return builder.Then<string>(name, (input, context, cancellationToken) => context.PromptAsync(prompt(input), settings, cancellationToken), stepOptions);
    }

    /// <summary>Adds a step that sends a prompt template, filled in from its input, to a model and outputs the reply's text.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="template">The template: text with placeholders such as <c>{title}</c> or <c>{customer.name}</c>
    /// over the input's JSON properties, and <c>{input}</c> for the whole input.</param>
    /// <param name="options">The provider, instructions and chat options; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The builder for the next step, whose input is the reply's text.</returns>
    /// <exception cref="ArgumentException">The template names a property the input type does not have, or has an unmatched brace.</exception>
    public static WorkflowBuilder<TInput, string> Prompt<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, string template, PromptOptions? options = null, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parsed = PromptTemplate.Parse(template, typeof(TCurrent));
        return builder.Prompt(name, input => parsed.Render(input), options, stepOptions);
    }

    /// <summary>Starts an extract step: a model is asked for a value as JSON, which is validated against the value
    /// type's JSON schema; name the type with <see cref="ExtractStepBuilder{TInput, TCurrent}.Into{T}"/>, which adds
    /// the step: <c>.Extract("classify", ticket => $"Classify: {ticket.Text}").Into&lt;Classification&gt;()</c>.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="prompt">Makes the prompt from the step's input.</param>
    /// <param name="options">The provider, instructions, repairs and JSON options; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The extract step, to be completed with <see cref="ExtractStepBuilder{TInput, TCurrent}.Into{T}"/>.</returns>
    public static ExtractStepBuilder<TInput, TCurrent> Extract<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, Func<TCurrent, string> prompt, ExtractOptions? options = null, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(prompt);
        var settings = options?.Clone() ?? new ExtractOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(settings.MaxRepairAttempts, nameof(options));
        return new ExtractStepBuilder<TInput, TCurrent>(builder, name, prompt, settings, stepOptions);
    }

    /// <summary>Starts an extract step whose prompt is a template filled in from the step's input; name the value type
    /// with <see cref="ExtractStepBuilder{TInput, TCurrent}.Into{T}"/>.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="template">The template: text with placeholders over the input's JSON properties.</param>
    /// <param name="options">The provider, instructions, repairs and JSON options; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The extract step, to be completed with <see cref="ExtractStepBuilder{TInput, TCurrent}.Into{T}"/>.</returns>
    /// <exception cref="ArgumentException">The template names a property the input type does not have, or has an unmatched brace.</exception>
    public static ExtractStepBuilder<TInput, TCurrent> Extract<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, string template, ExtractOptions? options = null, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parsed = PromptTemplate.Parse(template, typeof(TCurrent));
        return builder.Extract(name, input => parsed.Render(input), options, stepOptions);
    }

    /// <summary>Adds an agent step: the model works on a task made from the step's input, calling the options'
    /// tools turn after turn, until it gives a final answer. Each model call and tool result is journaled, so a
    /// retried or recovered step resumes at the turn it was in without calling the model or a completed tool
    /// again. A tool that does not exist, gets arguments that do not fit, throws, or is rejected by its approver
    /// gives the model an error to act on. Reaching <see cref="AgentOptions.MaxTurns"/> or
    /// <see cref="AgentOptions.TokenBudget"/> first fails the step for good, with the transcript so far in the
    /// failure's details.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="task">Makes the task from the step's input.</param>
    /// <param name="options">The instructions, tools and limits; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The builder for the next step, whose input is the agent's result.</returns>
    public static WorkflowBuilder<TInput, AgentResult> Agent<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, Func<TCurrent, string> task, AgentOptions options, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Clone();
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxTurns, 1, nameof(options));
        if (settings.TokenBudget is { } budget)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1, nameof(options));
        }

        return builder.Then<AgentResult>(name, async (input, context, cancellationToken) =>
        {
            try
            {
                return await context.RunAgentAsync(task(input), settings, cancellationToken).ConfigureAwait(false);
            }
            catch (AgentLimitExceededException ex)
            {
                throw AIStepFailures.From(ex);
            }
        }, stepOptions);
    }

    /// <summary>Adds an agent step whose task is a template filled in from the step's input (see
    /// <see cref="Agent{TInput, TCurrent}(WorkflowBuilder{TInput, TCurrent}, string, Func{TCurrent, string}, AgentOptions, StepOptions?)"/>).</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TCurrent">The step's input type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The step's name, unique in the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="template">The template: text with placeholders over the input's JSON properties.</param>
    /// <param name="options">The instructions, tools and limits; the step keeps a copy.</param>
    /// <param name="stepOptions">Retry and timeout of the step, as for any step.</param>
    /// <returns>The builder for the next step, whose input is the agent's result.</returns>
    /// <exception cref="ArgumentException">The template names a property the input type does not have, or has an unmatched brace.</exception>
    public static WorkflowBuilder<TInput, AgentResult> Agent<TInput, TCurrent>(
        this WorkflowBuilder<TInput, TCurrent> builder, string name, string template, AgentOptions options, StepOptions? stepOptions = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parsed = PromptTemplate.Parse(template, typeof(TCurrent));
        return builder.Agent(name, input => parsed.Render(input), options, stepOptions);
    }
}
