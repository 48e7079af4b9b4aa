using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Workflow.AI.Telemetry;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Steps;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Journaling;

public sealed class DurableChatClientTests
{
    private static readonly StepOptions RetryOnce = new()
    {
        Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, BackoffType = DelayBackoffType.Constant },
    };

    [Fact]
    public async Task GetResponseAsync_StepRetriedAfterTwoCalls_ReplaysBothFromTheJournalWithoutCallingTheModel()
    {
        var model = new ScriptedChatClient().Reply("first answer").Reply("second answer");
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<string>("replay-calls")
            .Then("two-calls", async (topic, context, ct) =>
            {
                var chat = context.GetChatClient();
                var first = await chat.GetResponseAsync($"one: {topic}", cancellationToken: ct);
                var second = await chat.GetResponseAsync($"two: {topic}", cancellationToken: ct);
                if (probe.Hit("attempt") == 1)
                {
                    throw new InvalidOperationException("fails after both calls");
                }

                return $"{first.Text} | {second.Text}";
            }, RetryOnce)
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "durability", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("first answer | second answer", result);
        Assert.Equal(2, probe.Count("attempt"));
        Assert.Equal(2, model.CallCount);
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(["chat-1", "chat-2"], history.OfType<StepSubResultRecordedEvent>().Select(e => e.Key));
    }

    [Fact]
    public async Task GetResponseAsync_CallFails_IsNotJournaledAndTheRetryCallsTheModelAgainUnderTheSameKey()
    {
        var model = new ScriptedChatClient().Reply("kept").Fail(new InvalidOperationException("model broke")).Reply("second try");
        var definition = WorkflowDefinition.Create<string>("failed-call")
            .Then("calls", async (topic, context, ct) =>
            {
                var chat = context.GetChatClient();
                var first = await chat.GetResponseAsync("one", cancellationToken: ct);
                var second = await chat.GetResponseAsync("two", cancellationToken: ct);
                return $"{first.Text} | {second.Text}";
            }, RetryOnce)
            .Build();
        await using var env = await StartAsync(model, definition, o => o.Resilience.MaxRetryAttempts = 0);

        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);

        Assert.Equal("kept | second try", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(3, model.CallCount);
        var keys = (await handle.GetHistoryAsync(Token)).OfType<StepSubResultRecordedEvent>().Select(e => e.Key);
        Assert.Equal(["chat-1", "chat-2"], keys);
    }

    [Fact]
    public async Task GetResponseAsync_Usage_IsStepMetadataAndSummedPerInstance()
    {
        var model = new ScriptedChatClient().Reply("a", inputTokens: 100, outputTokens: 20).Reply("b", inputTokens: 50, outputTokens: 5).Reply("c", inputTokens: 7, outputTokens: 3);
        var definition = WorkflowDefinition.Create<string>("usage")
            .Then("two-calls", async (topic, context, ct) =>
            {
                var chat = context.GetChatClient();
                await chat.GetResponseAsync("one", cancellationToken: ct);
                return (await chat.GetResponseAsync("two", cancellationToken: ct)).Text;
            })
            .Prompt("third", text => $"summarize {text}")
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);
        await handle.GetResultAsync(Token).OrHang();
        var usage = await env.Client.GetTokenUsageAsync(handle.InstanceId, Token);
        var completed = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().ToDictionary(e => e.StepPath);

        Assert.Equal(new TokenUsage(157, 28, 185, 3), usage.Total);
        Assert.Equal(new TokenUsage(150, 25, 175, 2), usage.Steps["two-calls"]);
        Assert.Equal(new TokenUsage(7, 3, 10, 1), usage.Steps["third"]);
        Assert.Equal("150", completed["two-calls"].Metadata[AIMetadataKeys.InputTokens]);
        Assert.Equal("25", completed["two-calls"].Metadata[AIMetadataKeys.OutputTokens]);
        Assert.Equal("175", completed["two-calls"].Metadata[AIMetadataKeys.TotalTokens]);
        Assert.Equal("2", completed["two-calls"].Metadata[AIMetadataKeys.ModelCalls]);
        Assert.Equal(usage.Total, (await handle.GetTokenUsageAsync(Token)).Total);
    }

    [Fact]
    public async Task GetResponseAsync_ReplayedAfterRetry_StepMetadataCountsEachCallOnce()
    {
        var model = new ScriptedChatClient().Reply("a", inputTokens: 10, outputTokens: 1);
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<string>("usage-replay")
            .Then("call", async (topic, context, ct) =>
            {
                var text = (await context.GetChatClient().GetResponseAsync("one", cancellationToken: ct)).Text;
                return probe.Hit("attempt") == 1 ? throw new InvalidOperationException("again") : text;
            }, RetryOnce)
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);
        await handle.GetResultAsync(Token).OrHang();
        var completed = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Single();

        Assert.Equal("10", completed.Metadata[AIMetadataKeys.InputTokens]);
        Assert.Equal("1", completed.Metadata[AIMetadataKeys.ModelCalls]);
        Assert.Equal(1, model.CallCount);
    }

    [Fact]
    public async Task GetResponseAsync_CallsOverlapWithOnePrefix_FailsWithAnExplanation_DistinctPrefixesMayOverlap()
    {
        var model = new ScriptedChatClient().Reply("a").Reply("b").Reply("c");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.HoldNext(gate);
        var definition = WorkflowDefinition.Create<string>("overlap")
            .Then("parallel-calls", async (topic, context, ct) =>
            {
                var chat = context.GetChatClient();
                var first = chat.GetResponseAsync("one", cancellationToken: ct);
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => chat.GetResponseAsync("two", cancellationToken: ct));
                var other = context.GetChatClient(options: new DurableChatClientOptions { KeyPrefix = "side" });
                var side = await other.GetResponseAsync("three", cancellationToken: ct);
                gate.SetResult();
                return $"{(await first).Text} {side.Text} {error.Message}";
            })
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.StartsWith("a b ", result, StringComparison.Ordinal);
        Assert.Contains("overlapped", result, StringComparison.Ordinal);
        Assert.Contains("KeyPrefix", result, StringComparison.Ordinal);
        var keys = (await handle.GetHistoryAsync(Token)).OfType<StepSubResultRecordedEvent>().Select(e => e.Key).Order();
        Assert.Equal(["chat-1", "side-1"], keys);
    }

    [Fact]
    public async Task GetResponseAsync_RequestChangedWhenReplayed_UsesTheJournaledResponseAndLogsAWarning()
    {
        var model = new ScriptedChatClient().Reply("journaled");
        var probe = new Probe();
        var logs = new CapturingLoggerProvider();
        var definition = WorkflowDefinition.Create<string>("changed-request")
            .Then("call", async (topic, context, ct) =>
            {
                var attempt = probe.Hit("attempt");
                var text = (await context.GetChatClient().GetResponseAsync($"prompt of attempt {attempt}", cancellationToken: ct)).Text;
                return attempt == 1 ? throw new InvalidOperationException("again") : text;
            }, RetryOnce)
            .Build();
        await using var env = await StartAsync(model, definition, services: s => s.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)));

        var result = await (await env.Client.StartAsync(definition, "x", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("journaled", result);
        Assert.Equal(1, model.CallCount);
        Assert.True(logs.Contains(WorkflowAIEventId.ModelCallRequestChanged));
        Assert.True(logs.Contains(WorkflowAIEventId.ModelCallJournaled));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("prompt of attempt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetResponseAsync_ReplayedResponse_EqualsTheOneReturnedWhenTheCallWasMade()
    {
        var model = new ScriptedChatClient().CallTool("lookup", new { id = 42, tags = new[] { "a", "b" } });
        var probe = new Probe();
        var seen = new List<string>();
        var definition = WorkflowDefinition.Create<string>("same-objects")
            .Then("call", async (topic, context, ct) =>
            {
                var response = await context.GetChatClient().GetResponseAsync("one", cancellationToken: ct);
                var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
                lock (seen)
                {
                    seen.Add($"{call.CallId}:{call.Name}:{System.Text.Json.JsonSerializer.Serialize(call.Arguments)}:{response.Usage?.TotalTokenCount}:{response.FinishReason}");
                }

                return probe.Hit("attempt") == 1 ? throw new InvalidOperationException("again") : "done";
            }, RetryOnce)
            .Build();
        await using var env = await StartAsync(model, definition);

        await (await env.Client.StartAsync(definition, "x", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0], seen[1]);
        Assert.Contains("\"id\":42", seen[0], StringComparison.Ordinal);
    }
}
