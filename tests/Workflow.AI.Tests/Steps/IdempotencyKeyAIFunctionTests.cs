using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Steps;

public sealed class IdempotencyKeyAIFunctionTests
{
    [Fact]
    public void JsonSchema_LeavesTheKeyArgumentOut_AndKeepsTheOthers()
    {
        var tool = new IdempotencyKeyAIFunction(new Payments().Refund, "idempotencyKey");

        var properties = tool.JsonSchema.GetProperty("properties").EnumerateObject().Select(static p => p.Name);
        var required = tool.JsonSchema.GetProperty("required").EnumerateArray().Select(static r => r.GetString());

        Assert.Equal(["orderId", "amount"], properties);
        Assert.Equal(["orderId", "amount"], required);
        Assert.Equal("refund", tool.Name);
        Assert.Equal("Refunds an order.", tool.Description);
        Assert.Equal("idempotencyKey", tool.ParameterName);
    }

    [Fact]
    public async Task Agent_ApprovedCall_GetsTheKeyOfItsToolCall_WhileTheModelAndTheApproverSeeOnlyTheOtherArguments()
    {
        var payments = new Payments();
        var model = new ScriptedChatClient().CallTool("refund", new { orderId = "o-5", amount = 25.5 }).Reply("Refunded.");
        var definition = WorkflowDefinition.Create<string>("idempotency-key-approved")
            .Agent("agent", q => q, new AgentOptions { Tools = [new ApprovalRequiredAIFunction(new IdempotencyKeyAIFunction(payments.Refund, "idempotencyKey"))] })
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "refund o-5", new StartWorkflowOptions { InstanceId = "refund-1" }, Token);
        await env.WaitUntilIdleAsync(Token);
        var pending = Assert.Single(await handle.GetPendingApprovalsAsync(Token));
        await handle.AnswerApprovalAsync(pending.StepPath, approved: true, by: "maria", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("Refunded.", result.Answer);
        var refund = Assert.Single(payments.Refunds);
        Assert.Equal(("o-5", "refund-1/agent/tool-1", "refund-1/agent/tool-1"), refund);
        Assert.False(pending.Request.GetProperty("arguments").TryGetProperty("idempotencyKey", out _));
        var offered = Assert.Single(model.Calls[0].Options!.Tools!).GetService<AIFunction>()!;
        Assert.DoesNotContain(offered.JsonSchema.GetProperty("properties").EnumerateObject(), static p => p.Name == "idempotencyKey");
    }

    [Fact]
    public async Task Agent_ModelSendsTheKeyArgumentAnyway_ItsValueIsReplacedByTheToolCallsKey()
    {
        var payments = new Payments();
        var model = new ScriptedChatClient().CallTool("refund", new { orderId = "o-6", amount = 3, idempotencyKey = "made-up" }).Reply("Refunded.");
        var definition = WorkflowDefinition.Create<string>("idempotency-key-replaced")
            .Agent("agent", q => q, new AgentOptions { Tools = [new IdempotencyKeyAIFunction(payments.Refund, "idempotencyKey")] })
            .Build();
        await using var env = await StartAsync(model, definition);

        await env.Client.StartAsync(definition, "refund o-6", new StartWorkflowOptions { InstanceId = "refund-2" }, Token);
        var result = await env.Client.GetResultAsync<AgentResult>("refund-2", Token).OrHang();

        Assert.Equal("Refunded.", result.Answer);
        Assert.Equal(("o-6", "refund-2/agent/tool-1", "refund-2/agent/tool-1"), Assert.Single(payments.Refunds));
    }

    [Fact]
    public async Task InvokeAsync_OutsideAnAgentsToolCall_ThrowsInvalidOperationExceptionAndDoesNotCallTheTool()
    {
        var payments = new Payments();
        var tool = new IdempotencyKeyAIFunction(payments.Refund, "idempotencyKey");

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(
            () => tool.InvokeAsync(new AIFunctionArguments { ["orderId"] = "o-7", ["amount"] = 1m }, Token).AsTask());

        Assert.Contains("The tool 'refund' gets its 'idempotencyKey' argument from the tool call of an agent step", exception.Message, StringComparison.Ordinal);
        Assert.Empty(payments.Refunds);
    }

    [Fact]
    public void Constructor_ArgumentTheToolDoesNotHave_ThrowsArgumentExceptionNamingTheToolsArguments()
    {
        var exception = Assert.Throws<ArgumentException>(() => new IdempotencyKeyAIFunction(new Payments().Refund, "requestId"));

        Assert.Equal("parameterName", exception.ParamName);
        Assert.Contains("The tool 'refund' has no argument 'requestId' to pass the idempotency key in; its arguments are: orderId, amount, idempotencyKey.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyParameterName_ThrowsArgumentException()
    {
        var exception = Assert.Throws<ArgumentException>(() => new IdempotencyKeyAIFunction(new Payments().Refund, string.Empty));

        Assert.Equal("parameterName", exception.ParamName);
    }

    [Fact]
    public void Constructor_NoTool_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new IdempotencyKeyAIFunction(null!, "idempotencyKey"));
    }

    /// <summary>A refund tool that takes its idempotency key as an argument, as a remote payment API does.</summary>
    private sealed class Payments
    {
        public Payments() => Refund = AIFunctionFactory.Create(RefundOrder, "refund");

        public AIFunction Refund { get; }

        /// <summary>Gets the refunds made: the order, the key the tool got, and the key of the tool call running it.</summary>
        public List<(string OrderId, string Key, string? CallKey)> Refunds { get; } = [];

        [Description("Refunds an order.")]
        private string RefundOrder(string orderId, decimal amount, string idempotencyKey)
        {
            lock (Refunds)
            {
                Refunds.Add((orderId, idempotencyKey, ToolCallContext.Current?.IdempotencyKey));
            }

            return JsonSerializer.Serialize(new { refunded = amount });
        }
    }
}
