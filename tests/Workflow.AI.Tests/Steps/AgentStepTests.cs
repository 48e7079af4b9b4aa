using System.ComponentModel;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Steps;

public sealed class AgentStepTests
{
    private static readonly StepOptions Retry = new()
    {
        Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, BackoffType = DelayBackoffType.Constant },
    };

    [Fact]
    public async Task Agent_CallsToolsTurnByTurn_ReturnsTheFinalAnswerTranscriptAndUsage()
    {
        var shop = new Shop();
        var model = new ScriptedChatClient()
            .CallTool("lookup_order", new { orderId = "o-17" })
            .CallTools(("lookup_customer", new { customerId = "c-3" }), ("lookup_order", new { orderId = "o-18" }))
            .Reply("Order o-17 shipped yesterday.", inputTokens: 40, outputTokens: 9);
        var definition = WorkflowDefinition.Create<string>("agent-basic")
            .Agent("support", question => question, shop.Options("You answer order questions."))
            .Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "Where is o-17?", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Order o-17 shipped yesterday.", result.Answer);
        Assert.Equal(3, result.Turns);
        Assert.Equal(3, result.ToolCalls);
        Assert.Equal(new TokenUsage(80, 25, 105, 3), result.Usage);
        Assert.Equal(["o-17", "o-18"], shop.OrderLookups);
        var transcript = result.GetTranscript();
        Assert.Equal(
            [ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant],
            transcript.Select(m => m.Role));
        var secondTurn = model.Calls[1];
        var toolResult = secondTurn.Messages[^1].Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("call-1-0", toolResult.CallId);
        Assert.Contains("shipped", toolResult.Result?.ToString(), StringComparison.Ordinal);
        Assert.Equal(["lookup_order", "lookup_customer", "refund"], secondTurn.Options!.Tools!.Select(t => t.Name));
    }

    [Fact]
    public async Task Agent_ToolSource_ItsToolsAreOfferedAfterTheFixedOnesAndCalled()
    {
        var shop = new Shop();
        var sourced = 0;
        var model = new ScriptedChatClient().CallTool("weather", new { city = "Lyon" }).Reply("Sunny in Lyon.");
        var options = shop.Options("You answer questions.");
        options.ToolSource = (context, cancellationToken) =>
        {
            Interlocked.Increment(ref sourced);
            IEnumerable<AITool> tools =
            [
                AIFunctionFactory.Create((string city) => $"{city}: sunny, 24 C", "weather"),

                // A name already among the fixed tools keeps the fixed one.
                AIFunctionFactory.Create((string orderId) => "from the source", "lookup_order"),
            ];
            return ValueTask.FromResult(tools);
        };
        var definition = WorkflowDefinition.Create<string>("agent-tool-source").Agent("agent", q => q, options).Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "Weather in Lyon?", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Sunny in Lyon.", result.Answer);
        Assert.Equal(1, sourced);
        Assert.Equal(["lookup_order", "lookup_customer", "refund", "weather"], model.Calls[0].Options!.Tools!.Select(t => t.Name));
        Assert.Equal("Lyon: sunny, 24 C", model.Calls[1].LastToolResult);
    }

    [Fact]
    public async Task Agent_ToolSourceReturnsNull_FailsTheStepSayingSo()
    {
        var model = new ScriptedChatClient().Reply("unused");
        var options = new AgentOptions { ToolSource = (_, _) => ValueTask.FromResult<IEnumerable<AITool>>(null!) };
        var definition = WorkflowDefinition.Create<string>("agent-null-source").Agent("agent", q => q, options).Build();
        await using var env = await StartAsync(model, definition);

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Contains("tool source of the agent of step 'agent' returned null", failed.Failure.Message, StringComparison.Ordinal);
        Assert.Empty(model.Calls);
    }

    [Fact]
    public async Task Agent_StepRetriedAfterTwoTurns_ReplaysModelCallsAndToolResultsAndResumesAtTheTurnItWasIn()
    {
        var shop = new Shop();
        var model = new ScriptedChatClient()
            .CallTool("lookup_order", new { orderId = "o-1" })
            .CallTool("lookup_customer", new { customerId = "c-1" })
            .Fail(new HttpRequestException("bad gateway", null, HttpStatusCode.BadGateway))
            .Reply("done");
        var definition = WorkflowDefinition.Create<string>("agent-resume")
            .Agent("support", q => q, shop.Options(), Retry)
            .Build();
        await using var env = await StartAsync(model, definition, o => o.Resilience.MaxRetryAttempts = 0);

        var handle = await env.Client.StartAsync(definition, "q", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("done", result.Answer);
        Assert.Equal(4, model.CallCount);
        Assert.Single(shop.OrderLookups);
        Assert.Equal(1, shop.CustomerLookups);
        var history = await handle.GetHistoryAsync(Token);
        var failed = Assert.Single(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(typeof(ChatProviderUnavailableException).FullName, failed.Failure.ErrorType);
        Assert.Equal(["chat-1", "tool-1", "chat-2", "tool-2", "chat-3"], history.OfType<StepSubResultRecordedEvent>().Select(e => e.Key));
    }

    [Fact]
    public async Task Agent_Tool_GetsAnIdempotencyKeyDerivedFromTheStepAndTheCall()
    {
        var keys = new List<string>();
        var tool = AIFunctionFactory.Create(
            (string orderId) =>
            {
                var call = ToolCallContext.Current!;
                lock (keys)
                {
                    keys.Add($"{call.IdempotencyKey}|{call.ToolCallKey}|{call.CallId}|{call.ToolName}");
                }

                return "refunded";
            },
            "refund");
        var model = new ScriptedChatClient().CallTool("refund", new { orderId = "o-1" }).CallTool("refund", new { orderId = "o-2" }).Reply("ok");
        var definition = WorkflowDefinition.Create<string>("agent-keys").Agent("agent", q => q, new AgentOptions { Tools = [tool] }).Build();
        await using var env = await StartAsync(model, definition);

        await (await env.Client.StartAsync(definition, "q", new StartWorkflowOptions { InstanceId = "order-9" }, Token)).GetResultAsync(Token).OrHang();

        Assert.Equal(["order-9/agent/tool-1|tool-1|call-1-0|refund", "order-9/agent/tool-2|tool-2|call-2-0|refund"], keys);
    }

    [Fact]
    public async Task Agent_ModelCallsAToolThatDoesNotExist_TheErrorGoesBackToTheModelAndTheRunContinues()
    {
        var model = new ScriptedChatClient().CallTool("cancel_order", new { orderId = "o-1" }).Reply("I cannot cancel orders.");
        var definition = WorkflowDefinition.Create<string>("agent-unknown-tool").Agent("agent", q => q, new Shop().Options()).Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("I cannot cancel orders.", result.Answer);
        var error = model.Calls[1].LastToolResult;
        Assert.Equal("Error: there is no tool named 'cancel_order'. The tools are: lookup_order, lookup_customer, refund. Call one of them, or answer without a tool.", error);
    }

    [Theory]
    [InlineData("""{"orderId":42}""", "$.orderId: Value is \"integer\" but should be \"string\"")]
    [InlineData("""{"order":"o-1"}""", "$.orderId: the required property 'orderId' is missing (rule: required)")]
    public async Task Agent_ToolArgumentsDoNotBind_TheErrorGoesBackToTheModelAndTheToolIsNotRun(string arguments, string expected)
    {
        var shop = new Shop();
        var model = new ScriptedChatClient()
            .Reply(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant,
                [new FunctionCallContent("c1", "lookup_order", JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments))]))
            { FinishReason = ChatFinishReason.ToolCalls })
            .Reply("sorry");
        var definition = WorkflowDefinition.Create<string>("agent-bad-args").Agent("agent", q => q, shop.Options()).Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("sorry", result.Answer);
        Assert.Empty(shop.OrderLookups);
        var error = model.Calls[1].LastToolResult;
        Assert.StartsWith("Error: the arguments of 'lookup_order' do not fit its parameters: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "Error: the tool 'lookup_customer' failed (InvalidOperationException).")]
    [InlineData(true, "Error: the tool 'lookup_customer' failed: InvalidOperationException: the CRM is down")]
    public async Task Agent_ToolThrows_TheErrorGoesBackToTheModelAndTheRunContinues(bool detailed, string expected)
    {
        var shop = new Shop { CrmDown = true };
        var model = new ScriptedChatClient().CallTool("lookup_customer", new { customerId = "c-1" }).Reply("The CRM is unavailable.");
        var options = shop.Options();
        options.IncludeDetailedErrors = detailed;
        var definition = WorkflowDefinition.Create<string>("agent-tool-throws").Agent("agent", q => q, options).Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "q", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("The CRM is unavailable.", result.Answer);
        Assert.Equal(expected, model.Calls[1].LastToolResult);
        var journaled = (await handle.GetHistoryAsync(Token)).OfType<StepSubResultRecordedEvent>().Single(e => e.Key == "tool-1");
        Assert.Equal(expected, journaled.Value.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Agent_TurnLimitReached_FailsForGoodWithTheTranscriptSoFar_AndDoesNotRunTheLastTurnsTools()
    {
        var shop = new Shop();
        var model = new ScriptedChatClient().CallTool("lookup_order", new { orderId = "o-1" }).CallTool("lookup_order", new { orderId = "o-2" });
        var options = shop.Options();
        options.MaxTurns = 2;
        var definition = WorkflowDefinition.Create<string>("agent-turns").Agent("agent", q => q, options, Retry).Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "q", cancellationToken: Token);
        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(AIErrorTypes.AgentTurnLimitExceeded, error.Failure.ErrorType);
        Assert.True(error.Failure.NonRetryable);
        Assert.Contains("made 2 model call(s), its turn limit (AgentOptions.MaxTurns)", error.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, model.CallCount);
        Assert.Equal(["o-1"], shop.OrderLookups);
        using var details = JsonDocument.Parse(error.Failure.Details!);
        Assert.Equal("turns", details.RootElement.GetProperty("limit").GetString());
        var transcript = details.RootElement.GetProperty("transcript");
        Assert.Equal(5, transcript.GetArrayLength());
        Assert.Equal("o-2", transcript[4].GetProperty("contents")[0].GetProperty("arguments").GetProperty("orderId").GetString());
        Assert.Empty((await handle.GetHistoryAsync(Token)).OfType<StepAttemptFailedEvent>());
    }

    [Fact]
    public async Task Agent_TokenBudgetUsedUp_FailsForGoodWithTheTranscriptSoFar()
    {
        var model = new ScriptedChatClient().CallTool("lookup_order", new { orderId = "o-1" }).CallTool("lookup_order", new { orderId = "o-2" });
        var options = new Shop().Options();
        options.TokenBudget = 50;
        var definition = WorkflowDefinition.Create<string>("agent-budget").Agent("agent", q => q, options).Build();
        await using var env = await StartAsync(model, definition);

        var error = await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Equal(AIErrorTypes.AgentTokenBudgetExceeded, error.Failure.ErrorType);
        Assert.Contains("used 56 token(s) in 2 model call(s), reaching its budget of 50", error.Failure.Message, StringComparison.Ordinal);
        using var details = JsonDocument.Parse(error.Failure.Details!);
        Assert.Equal(56, details.RootElement.GetProperty("usage").GetProperty("totalTokens").GetInt64());
        Assert.Equal(2, model.CallCount);
    }

    [Fact]
    public async Task Agent_ToolNeedsApproval_PausesDurablyWithTheToolAndArguments_ApprovedCallRunsOnceAndTheModelIsNotCalledAgain()
    {
        var shop = new Shop();
        var model = new ScriptedChatClient().CallTool("refund", new { orderId = "o-5", amount = 25.5 }).Reply("Refunded 25.50.");
        var definition = WorkflowDefinition.Create<string>("agent-approve").Agent("agent", q => q, shop.Options(refundNeedsApproval: true)).Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "refund o-5", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        var pending = Assert.Single(await handle.GetPendingApprovalsAsync(Token));
        var refundsBeforeAnswer = shop.Refunds.Count;
        await handle.AnswerApprovalAsync(pending.StepPath, approved: true, by: "maria", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("agent/tool-1.refund", pending.StepPath);
        Assert.Equal("refund", pending.Request.GetProperty("toolName").GetString());
        Assert.Equal("o-5", pending.Request.GetProperty("arguments").GetProperty("orderId").GetString());
        Assert.Equal(25.5, pending.Request.GetProperty("arguments").GetProperty("amount").GetDouble());
        Assert.Equal("Refunds an order.", pending.Request.GetProperty("description").GetString());
        Assert.Equal(0, refundsBeforeAnswer);
        Assert.Equal(["o-5:25.5"], shop.Refunds);
        Assert.Equal("Refunded 25.50.", result.Answer);
        Assert.Equal(2, model.CallCount);
    }

    [Fact]
    public async Task Agent_ToolCallRejected_IsNotRunAndTheRejectionIsReportedToTheModel()
    {
        var shop = new Shop();
        var model = new ScriptedChatClient().CallTool("refund", new { orderId = "o-5", amount = 900 }).Reply("The refund was declined.");
        var definition = WorkflowDefinition.Create<string>("agent-reject").Agent("agent", q => q, shop.Options(refundNeedsApproval: true)).Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "refund o-5", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        var pending = Assert.Single(await handle.GetPendingApprovalsAsync(Token));
        await handle.AnswerApprovalAsync(pending.StepPath, approved: false, by: "maria", comment: "too much", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Empty(shop.Refunds);
        Assert.Equal("The refund was declined.", result.Answer);
        var told = model.Calls[1].LastToolResult;
        Assert.StartsWith("The call was not run: maria rejected it. Their comment: too much", told, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Streamed_EachTurnStreamsUnderItsOwnCallId()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient().HoldNext(gate).CallTool("lookup_order", new { orderId = "o-1" }).Reply("It shipped on Monday");
        var options = new Shop().Options();
        options.Stream = true;
        var definition = WorkflowDefinition.Create<string>("agent-stream").Agent("agent", q => q, options).Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "q", new StartWorkflowOptions { InstanceId = "agent-stream-1" }, Token);
        var watcher = StreamWatcher.Start(env.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        gate.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("It shipped on Monday", result.Answer);
        Assert.Equal("It shipped on Monday", watcher.TextOf("chat-2"));
        Assert.Contains(watcher.Updates.OfType<StepProgressUpdate>(), u => u.CallId == "chat-1" && u.Data is ChatResponseUpdate d && d.Contents.OfType<FunctionCallContent>().Any());
    }

    [Fact]
    public void Agent_InvalidLimits_FailWhenTheStepIsAdded()
    {
        var builder = WorkflowDefinition.Create<string>("agent-invalid");

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Agent("a", q => q, new AgentOptions { MaxTurns = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Agent("a", q => q, new AgentOptions { TokenBudget = 0 }));
    }

    /// <summary>Tools over a pretend shop, counting what they did.</summary>
    private sealed class Shop
    {
        public List<string> OrderLookups { get; } = [];

        public int CustomerLookups { get; private set; }

        public List<string> Refunds { get; } = [];

        public bool CrmDown { get; init; }

        public AgentOptions Options(string? instructions = null, bool refundNeedsApproval = false)
        {
            AIFunction refund = AIFunctionFactory.Create(Refund, "refund");
            return new AgentOptions
            {
                Instructions = instructions ?? "You help with orders.",
                Tools =
                [
                    AIFunctionFactory.Create(LookupOrder, "lookup_order"),
                    AIFunctionFactory.Create(LookupCustomer, "lookup_customer"),
                    refundNeedsApproval ? new ApprovalRequiredAIFunction(refund) : refund,
                ],
            };
        }

        [Description("Looks an order up.")]
        private string LookupOrder(string orderId)
        {
            lock (OrderLookups)
            {
                OrderLookups.Add(orderId);
            }

            return $"order {orderId} shipped";
        }

        [Description("Looks a customer up.")]
        private string LookupCustomer(string customerId)
        {
            if (CrmDown)
            {
                throw new InvalidOperationException("the CRM is down");
            }

            CustomerLookups++;
            return $"customer {customerId}: gold";
        }

        [Description("Refunds an order.")]
        private string Refund(string orderId, double amount)
        {
            lock (Refunds)
            {
                Refunds.Add($"{orderId}:{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            return "refunded";
        }
    }
}
