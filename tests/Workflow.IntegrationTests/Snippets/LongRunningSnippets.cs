using Workflow.Client;
using Workflow.Definitions;
using Workflow.Testing;

namespace Workflow.IntegrationTests.Snippets;

/// <summary>The README's examples of long-running workflows; README blocks must equal these regions.</summary>
public static class LongRunningSnippets
{
    public static WorkflowDefinition<Refund, string> RefundApproval()
    {
        #region approvals
        var refund = WorkflowDefinition.Create<Refund>("refund", version: 1)
            .Then("reserve-funds", refund => refund,
                compensate: (refund, context, ct) => Task.CompletedTask)        // undone if a later step fails or the instance is canceled
            .WaitForApproval("manager", refund => new RefundRequest(refund.OrderId, refund.Amount),
                timeout: TimeSpan.FromDays(3),
                onTimeout: late => late.WaitForApproval("director", refund => new RefundRequest(refund.OrderId, refund.Amount)))
            .Branch("decision", decision => decision.Approved,
                approved => approved
                    .WaitForEvent<Shipment>("returned", timeout: TimeSpan.FromDays(14),
                        onTimeout: lost => lost.Then("assume-lost", decision => new Shipment("lost")))
                    .Delay("cooling-off", TimeSpan.FromHours(24))
                    .Then("pay", shipment => $"refunded after return ({shipment.Carrier})"),
                rejected => rejected.Then("explain", decision => $"rejected by {decision.By}: {decision.Comment}"))
            .Build();
        #endregion
        return refund;
    }

    public static async Task<string> DriveAsync(WorkflowTestEnvironment env, WorkflowDefinition<Refund, string> refund)
    {
        #region answering
        IWorkflowClient client = env.Client;
        var instance = await client.StartAsync(refund, new Refund("order-17", 120m), new StartWorkflowOptions { InstanceId = "refund-order-17" });
        await env.WaitUntilIdleAsync();                                      // the instance now waits for its approval

        var inbox = await client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = "refund" });
        foreach (var pending in inbox.Approvals)                             // approvers' inbox: all instances, oldest first, paged
        {
            await client.AnswerApprovalAsync(pending.InstanceId, pending.StepPath, approved: true, by: "maria@example.com", comment: "customer since 2019");
        }

        await client.RaiseEventAsync(instance.InstanceId, "returned", new Shipment("DHL"),
            new RaiseEventOptions { EventId = "webhook-5521" });             // raising twice with this id appends once
        await env.AdvanceTimeAsync(TimeSpan.FromHours(24));                  // time skipping: the cooling-off timer fires

        return await instance.GetResultAsync();
        #endregion
    }

    public static WorkflowDefinition<Subscription, Subscription> Billing()
    {
        #region continue-as-new
        // Bills every 30 days for as long as the subscription runs: every 12 iterations the instance continues as
        // new, so its journal never holds more than a year of months however long it lives.
        var billing = WorkflowDefinition.Create<Subscription>("billing")
            .Loop("months",
                month => month
                    .Then("charge", subscription => subscription with { Charged = subscription.Charged + 1 })
                    .Delay("next-month", TimeSpan.FromDays(30)),
                until: subscription => subscription.Charged >= subscription.Months,
                maxIterations: int.MaxValue,
                continueAsNewEvery: 12)
            .Build();
        #endregion
        return billing;
    }

    public static async Task<bool> CheckHistoryAsync(string historyFile, WorkflowDefinition refund)
    {
        #region replay
        // In a test: recorded histories (saved with WorkflowHistoryFile.SaveAsync) must replay on today's definitions.
        var result = await WorkflowReplayer.ReplayFileAsync(historyFile, [refund]);
        if (!result.IsDeterministic)
        {
            throw new InvalidOperationException(result.Divergence);
        }
        #endregion
        return result.IsDeterministic;
    }
}

public sealed record Refund(string OrderId, decimal Amount);

public sealed record RefundRequest(string OrderId, decimal Amount);

public sealed record Shipment(string Carrier);

public sealed record Subscription(string Customer, int Months, int Charged = 0);
