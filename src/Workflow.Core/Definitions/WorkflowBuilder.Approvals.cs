using Workflow.Client;
using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

public sealed partial class WorkflowBuilder<TInput, TCurrent>
{
    /// <summary>Asks a person to approve something and waits durably for the answer. The approval is addressed by this
    /// node's step path (for example <c>reviews[2]/approval</c> inside a for-each); the client lists pending approvals
    /// with their request and answers one with approve or reject, who and a comment, all journaled.</summary>
    /// <typeparam name="TRequest">What the approver is shown; System.Text.Json must round-trip it.</typeparam>
    /// <param name="name">The approval's name, unique in the workflow.</param>
    /// <param name="request">Builds the request from the current value; it must depend only on its argument.</param>
    /// <param name="timeout">How long to wait for an answer, or <see langword="null"/> to wait forever.</param>
    /// <param name="onTimeout">Builds the escalation arm taken on timeout, which must produce an
    /// <see cref="ApprovalDecision"/> (another approval, an automatic answer); without it a timeout fails the
    /// instance with the error type <c>Workflow.WaitTimedOut</c>.</param>
    /// <returns>The builder for the step after the approval, whose input is the decision.</returns>
    public WorkflowBuilder<TInput, ApprovalDecision> WaitForApproval<TRequest>(
        string name,
        Func<TCurrent, TRequest> request,
        TimeSpan? timeout = null,
        Func<WorkflowBuilder<TInput, TCurrent>, WorkflowBuilder<TInput, ApprovalDecision>>? onTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var escalation = onTimeout is null ? null : BuildNested(onTimeout);
        return Append<ApprovalDecision>(new ApprovalNode(name, typeof(TCurrent), typeof(TRequest), input => request((TCurrent)input!), timeout, escalation));
    }
}
