using Polly;
using Polly.Retry;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Steps;

namespace Workflow.IntegrationTests.Snippets;

/// <summary>The code of the README's examples; README blocks must equal these regions.</summary>
public static class ControlFlowSnippets
{
    public static WorkflowDefinition<Ticket, Resolution> SupportTicket()
    {
        #region control-flow
        var support = WorkflowDefinition.Create<Ticket>("support-ticket", version: 1)
            .WithDefaultStepOptions(new StepOptions                      // every step: 3 retries, exponential backoff
            {
                Retry = new RetryStrategyOptions { MaxRetryAttempts = 3, BackoffType = DelayBackoffType.Exponential },
                Timeout = TimeSpan.FromSeconds(30),                      // per attempt
            })
            .Then("classify", ticket => ticket with { Category = ticket.Text.Contains("refund") ? "billing" : "general" })
            .Switch("route", ticket => ticket.Category ?? "general")
                .Case("billing", billing => billing.Then<RefundPolicyStep, Ticket>("refund-policy"))
                .Default(other => other.Then("tag", ticket => ticket with { Tags = ["needs-answer"] }))
            .ForEach("lookups", ticket => ticket.OrderIds,                // fan-out, at most 4 at once, results in order
                order => order.Then("lookup-order", (id, context, ct) => Task.FromResult($"order {id}: shipped")),
                maxParallelism: 4)
            .Loop("draft",                                                // until good enough, at most 3 drafts
                body => body.Then("write-draft", (facts, context, ct) =>
                    Task.FromResult<IReadOnlyList<string>>([.. facts, $"draft {context.Attempt}"])),
                until: facts => facts.Count >= 3,
                maxIterations: 3)
            .Then("resolve", (facts, context, ct) =>
                Task.FromResult(new Resolution(context.GetWorkflowInput<Ticket>().Id, string.Join("; ", facts))))
            .Build();
        #endregion
        return support;
    }
}

public sealed record Ticket(string Id, string Text, string[] OrderIds, string? Category = null, string[]? Tags = null);

public sealed record Resolution(string TicketId, string Answer);

#region step-class
/// <summary>A step as a class: resolved from the step's DI scope, so it can take any registered service.</summary>
public sealed class RefundPolicyStep(TimeProvider clock) : IWorkflowStep<Ticket, Ticket>
{
    public ValueTask<Ticket> ExecuteAsync(Ticket ticket, StepContext context, CancellationToken cancellationToken)
    {
        if (ticket.OrderIds.Length == 0)
        {
            // Not worth retrying: fail the instance now, with a stable error type recorded in the journal.
            throw new StepFailedException("NoOrder", "A refund needs an order id.") { NonRetryable = true };
        }

        var checkedAt = clock.GetUtcNow();
        return ValueTask.FromResult(ticket with { Tags = [$"refund-checked {checkedAt:yyyy-MM-dd}", context.IdempotencyKey] });
    }
}
#endregion
