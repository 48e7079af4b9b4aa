using System.ComponentModel;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Mcp.Client;

namespace SupportDesk.McpHost;

/// <summary>A customer's request for a refund.</summary>
/// <param name="OrderId">The order to refund, for example <c>A-1001</c>.</param>
/// <param name="Amount">The amount to refund, in euros.</param>
/// <param name="Reason">Why the customer asks for a refund.</param>
public sealed record RefundTicket(string OrderId, [property: Description("The amount to refund, in euros; at most the order's total.")] decimal Amount, string Reason);

/// <summary>What a manager is asked to approve.</summary>
public sealed record RefundProposal(string OrderId, string Customer, string OrderStatus, decimal OrderTotal, decimal Amount, string Reason);

/// <summary>The ticket with the manager's decision.</summary>
public sealed record Review(RefundTicket Ticket, ApprovalDecision Decision);

/// <summary>How the ticket ended.</summary>
public sealed record RefundResult(string OrderId, bool Refunded, string? RefundId, string DecidedBy, string? Comment);

public static class SupportRefund
{
    public const string Name = "support-refund";
    public const string SupportDesk = "support-desk";

    #region mcp-consume-server
    // Steps call the tools of the "support-desk" MCP server (AddMcpClient); each result is journaled.
    public static WorkflowDefinition<RefundTicket, RefundResult> Definition { get; } = WorkflowDefinition.Create<RefundTicket>(Name)
        .WithDescription("Looks up the order, asks a support manager to approve the refund, then refunds it")
        .CallTool("lookup-order", SupportDesk, "lookup_order", ticket => new Dictionary<string, object?> { ["orderId"] = ticket.OrderId })
        .Then("propose", (order, context, ct) =>
        {
            var ticket = context.GetWorkflowInput<RefundTicket>();
            var found = order.StructuredContent!.Value;
            return Task.FromResult(new RefundProposal(ticket.OrderId, found.GetProperty("customer").GetString()!,
                found.GetProperty("status").GetString()!, found.GetProperty("total").GetDecimal(), ticket.Amount, ticket.Reason));
        })
        .WaitForApproval("manager-approval", proposal => proposal)
        .Then("review", (decision, context, ct) => Task.FromResult(new Review(context.GetWorkflowInput<RefundTicket>(), decision)))
        .Branch("decision", review => review.Decision.Approved,
            approved => approved
                .CallTool("refund", SupportDesk, "refund_order", (review, context) => new Dictionary<string, object?>
                {
                    ["orderId"] = review.Ticket.OrderId,
                    ["amount"] = review.Ticket.Amount,
                    ["reason"] = review.Ticket.Reason,
                    ["idempotencyKey"] = context.IdempotencyKey,     // the tool refunds once per key, across retries
                })
                .Then("refunded", (refund, context, ct) => Task.FromResult(
                    Result(context.GetStepOutput<Review>("review"), refund.StructuredContent!.Value.GetProperty("refundId").GetString()))),
            declined => declined
                .Then("declined", (review, context, ct) => Task.FromResult(Result(review, refundId: null))))
        .Build();
    #endregion

    private static RefundResult Result(Review review, string? refundId) =>
        new(review.Ticket.OrderId, refundId is not null, refundId, review.Decision.By, review.Decision.Comment);
}
