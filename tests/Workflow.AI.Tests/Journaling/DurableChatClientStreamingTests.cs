using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Steps;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Journaling;

public sealed class DurableChatClientStreamingTests
{
    private static readonly StepOptions Retry = new()
    {
        Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, BackoffType = DelayBackoffType.Constant },
    };

    [Fact]
    public async Task StreamedPrompt_Watcher_ReceivesTheDeltasInOrderBeforeTheStepCompletes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient().HoldNext(gate).Reply("the quick brown fox jumps");
        var definition = WorkflowDefinition.Create<string>("stream")
            .Prompt("write", topic => $"write about {topic}", new PromptOptions { Stream = true })
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "foxes", new StartWorkflowOptions { InstanceId = "stream-1" }, Token);
        var watcher = StreamWatcher.Start(env.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        gate.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("the quick brown fox jumps", result);
        Assert.Equal(["the ", "quick ", "brown ", "fox ", "jumps"], watcher.Sequence("chat-1"));
        var updates = watcher.Updates;
        var lastDelta = updates.ToList().FindLastIndex(u => u is StepProgressUpdate);
        var completed = updates.ToList().FindIndex(u => u is StepCompletedEvent { StepPath: "write" });
        Assert.True(lastDelta < completed, "every delta arrives before the step's completion");
        Assert.All(updates.OfType<StepProgressUpdate>(), u => Assert.Equal("write", u.StepPath));
        Assert.True(model.Calls.Single().Streamed);
    }

    [Fact]
    public async Task StreamedPrompt_CutMidway_IsCalledAgainWithinTheStep_ResetPrecedesTheRetriedTextAndTheJournalHasNoDuplicate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient()
            .HoldNext(gate)
            .CutStream("Dear customer, your ref", new IOException("connection reset"))
            .Reply("Dear customer, your refund is on its way.");
        var definition = WorkflowDefinition.Create<string>("stream-cut")
            .Prompt("reply", ticket => $"answer {ticket}", new PromptOptions { Stream = true })
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "ticket-7", new StartWorkflowOptions { InstanceId = "cut-1" }, Token);
        var watcher = StreamWatcher.Start(env.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        gate.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Dear customer, your refund is on its way.", result);
        var sequence = watcher.Sequence("chat-1");
        var reset = sequence.ToList().IndexOf("|reset|");
        Assert.Equal(["Dear ", "customer, ", "your ", "ref"], sequence.Take(reset));
        Assert.Equal(result, string.Concat(sequence.Skip(reset + 1)));
        Assert.Single(sequence, s => s == "|reset|");
        Assert.Equal(result, watcher.TextOf("chat-1"));
        var history = await handle.GetHistoryAsync(Token);
        var journaled = Assert.Single(history.OfType<StepSubResultRecordedEvent>());
        Assert.Contains("\"Dear customer, your refund is on its way.\"", journaled.Value.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("your refDear", journaled.Value.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(2, model.CallCount);
    }

    [Fact]
    public async Task StreamedPrompt_CutMoreOftenThanTheRetriesAllow_FailsTheAttempt_AndTheStepRetryStartsWithAReset()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient()
            .HoldNext(gate)
            .CutStream("Dear cust", new IOException("connection reset"))
            .CutStream("Dear customer, your", new IOException("connection reset"))
            .Reply("Dear customer, your refund is on its way.");
        var definition = WorkflowDefinition.Create<string>("stream-cut-twice")
            .Prompt("reply", ticket => $"answer {ticket}", new PromptOptions { Stream = true }, Retry)
            .Build();
        await using var env = await StartAsync(model, definition, o => o.Resilience.MaxRetryAttempts = 1);

        var handle = await env.Client.StartAsync(definition, "ticket-8", new StartWorkflowOptions { InstanceId = "cut-2" }, Token);
        var watcher = StreamWatcher.Start(env.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        gate.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Dear customer, your refund is on its way.", result);
        var sequence = watcher.Sequence("chat-1");
        Assert.Equal(2, sequence.Count(s => s == "|reset|"));
        Assert.Equal(result, string.Concat(sequence.Skip(sequence.ToList().LastIndexOf("|reset|") + 1)));
        Assert.Equal(result, watcher.TextOf("chat-1"));
        var history = await handle.GetHistoryAsync(Token);
        var failed = Assert.Single(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(typeof(IOException).FullName, failed.Failure.ErrorType);
        Assert.Single(history.OfType<StepSubResultRecordedEvent>());
        Assert.Equal(3, model.CallCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CallerSeesLiveUpdates_AndAReplayYieldsTheJournaledResponse()
    {
        var model = new ScriptedChatClient().Reply("one two three");
        var probe = new Probe();
        var seen = new List<string>();
        var definition = WorkflowDefinition.Create<string>("stream-api")
            .Then("stream", async (topic, context, ct) =>
            {
                var updates = new List<ChatResponseUpdate>();
                await foreach (var update in context.GetChatClient().GetStreamingResponseAsync("count", cancellationToken: ct))
                {
                    updates.Add(update);
                }

                lock (seen)
                {
                    seen.Add($"{updates.Count(u => u.Text.Length > 0)}:{updates.ToChatResponse().Text}");
                }

                return probe.Hit("attempt") == 1 ? throw new InvalidOperationException("again") : updates.ToChatResponse().Text;
            }, Retry)
            .Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "x", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("one two three", result);
        Assert.Equal(1, model.CallCount);
        Assert.Equal("3:one two three", seen[0]);
        Assert.EndsWith(":one two three", seen[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamedCall_EndsWithoutAFinishReason_FailsAsIncompleteAndIsNotJournaled()
    {
        var model = new ScriptedChatClient()
            .Reply(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "truncated repl")) { FinishReason = null })
            .Reply("complete reply");
        var definition = WorkflowDefinition.Create<string>("stream-incomplete")
            .Prompt("reply", x => x, new PromptOptions { Stream = true }, Retry)
            .Build();
        await using var env = await StartAsync(model, definition, o => o.Resilience.MaxRetryAttempts = 0);

        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);

        Assert.Equal("complete reply", await handle.GetResultAsync(Token).OrHang());
        var failed = Assert.Single((await handle.GetHistoryAsync(Token)).OfType<StepAttemptFailedEvent>());
        Assert.Equal(typeof(ChatStreamIncompleteException).FullName, failed.Failure.ErrorType);
        Assert.Contains("without a finish reason", failed.Failure.Message, StringComparison.Ordinal);
    }
}
