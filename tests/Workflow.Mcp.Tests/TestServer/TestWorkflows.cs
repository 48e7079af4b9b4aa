using System.ComponentModel;
using System.Security.Claims;
using Workflow.Definitions;
using Workflow.Mcp.Client;
using Workflow.Mcp.Server;

namespace Workflow.Mcp.TestServer;

/// <summary>A refund to approve.</summary>
/// <param name="OrderId">The order to refund.</param>
/// <param name="Amount">The amount to refund, in euros.</param>
public sealed record RefundRequest(
    [property: Description("The order to refund, for example 'A-1001'.")] string OrderId,
    [property: Description("The amount to refund, in euros.")] decimal Amount);

public sealed record RefundOutcome(string OrderId, bool Refunded, string DecidedBy);

/// <summary>Whom to greet.</summary>
/// <param name="Name">The name of the person to greet.</param>
public sealed record Greeting(string Name)
{
    /// <summary>Gets or sets the greeting's language, as an ISO 639-1 code such as <c>en</c>.</summary>
    public string? Language { get; init; }
}

public sealed record Payment(decimal Amount);

/// <summary>The workflows and the authorization policy both test servers (stdio process, in-process HTTP) serve.</summary>
public static class TestWorkflows
{
    public const string Refund = "refund";
    public const string Greet = "greet";
    public const string Order = "order";
    public const string Hidden = "hidden";
    public const string ApproverRole = "approver";

    /// <summary>Checks the order, asks a manager to approve, then refunds.</summary>
    public static WorkflowDefinition RefundWorkflow { get; } = WorkflowDefinition.Create<RefundRequest>(Refund)
        .WithDescription("Refunds an order after a manager approves")
        .Then("check-order", (request, context, ct) =>
        {
            context.Emit($"order {request.OrderId} found");
            return Task.FromResult(request);
        })
        .WaitForApproval("manager-approval", request => new { request.OrderId, request.Amount })
        .Then("refund", (decision, context, ct) =>
        {
            var request = context.GetWorkflowInput<RefundRequest>();
            return Task.FromResult(new RefundOutcome(request.OrderId, decision.Approved, decision.By));
        })
        .Build();

    public static WorkflowDefinition GreetWorkflow { get; } = WorkflowDefinition.Create<Greeting>(Greet)
        .Then("greet", (greeting, context, ct) => Task.FromResult($"Hello, {greeting.Name}!"))
        .Build();

    /// <summary>Waits for its payment event, then completes with the amount paid.</summary>
    public static WorkflowDefinition OrderWorkflow { get; } = WorkflowDefinition.Create<Greeting>(Order)
        .WaitForEvent<Payment>("paid", timeout: TimeSpan.FromDays(1))
        .Then("confirm", (payment, context, ct) => Task.FromResult($"paid {payment.Amount:0.00}"))
        .Build();

    /// <summary>Registered with the engine but not exposed over MCP.</summary>
    public static WorkflowDefinition HiddenWorkflow { get; } = WorkflowDefinition.Create<Greeting>(Hidden)
        .Then("secret", (greeting, context, ct) => Task.FromResult("secret"))
        .Build();

    public const string RefundRemotely = "refund-remotely";
    public const string RemoteDesk = "desk";

    /// <summary>Runs <see cref="Refund"/> on the MCP server named <see cref="RemoteDesk"/>, as another service.</summary>
    public static WorkflowDefinition RefundRemotelyWorkflow { get; } = WorkflowDefinition.Create<RefundRequest>(RefundRemotely)
        .CallWorkflow<RefundRequest, RefundRequest, RefundOutcome>("remote-refund", RemoteDesk, Refund, static request => request)
        .Build();

    public static void Expose(WorkflowToolOptions options)
    {
        options.Workflows.Add(Refund);
        options.Workflows.Add(Greet);
        options.Workflows.Add(Order);
    }

    public static ClaimsPrincipal Caller(string name, params string[] roles)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(static r => new Claim(ClaimTypes.Role, r))], "test");
        return new ClaimsPrincipal(identity);
    }
}

/// <summary>Authenticated callers may read, start (except 'stranger'), raise events and cancel; only approvers answer approvals.</summary>
public sealed class TestAuthorizer : IWorkflowToolAuthorizer
{
    public ValueTask<bool> AuthorizeAsync(WorkflowToolRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(request.CallerName is { } name && request.Operation switch
        {
            WorkflowToolOperation.AnswerApproval => request.Caller.IsInRole(TestWorkflows.ApproverRole),
            WorkflowToolOperation.Start => name != "stranger",
            _ => true,
        });
}
