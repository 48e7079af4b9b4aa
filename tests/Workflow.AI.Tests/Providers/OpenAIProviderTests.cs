using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Providers;

/// <summary>The OpenAI-compatible provider helper, through the real OpenAI client library, against a local server that
/// speaks the chat completions protocol.</summary>
public sealed class OpenAIProviderTests
{
    private static readonly StepOptions StepRetry = new()
    {
        Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, BackoffType = DelayBackoffType.Constant },
    };

    [Fact]
    public async Task Prompt_ChatCompletion_SendsTheRequestAndJournalsTheReplyWithItsUsage()
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(OpenAIWire.Text("Hello from the model", promptTokens: 12, completionTokens: 7));
        var definition = WorkflowDefinition.Create<string>("openai-text")
            .Prompt("greet", name => $"Greet {name}", new PromptOptions { Instructions = "Be brief.", ChatOptions = new ChatOptions { Temperature = 0.2f } })
            .Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server));
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "Ada", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("Hello from the model", result);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer " + ProviderHost.ApiKey, request.Authorization);
        Assert.Equal("gpt-test", request.Body.GetProperty("model").GetString());
        Assert.Equal(0.2, request.Body.GetProperty("temperature").GetDouble(), 3);
        Assert.False(request.Streamed());
        var messages = request.Body.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("Greet Ada", messages[1].GetProperty("content").GetString());
        var usage = await handle.GetTokenUsageAsync(Token);
        Assert.Equal(new TokenUsage(12, 7, 19, 1), usage.Total);
    }

    [Fact]
    public async Task Prompt_Streamed_WatcherReceivesTheSseDeltasInOrderBeforeTheStepCompletes_UsageComesFromTheLastChunk()
    {
        await using var server = await LocalServer.StartAsync();
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LocalServer.Reply text = OpenAIWire.Text("Your order ships on Monday", promptTokens: 21, completionTokens: 6);
        server.Enqueue(async (context, request) =>
        {
            await watching.Task.WaitAsync(context.RequestAborted);
            await text(context, request);
        });
        var definition = WorkflowDefinition.Create<string>("openai-stream")
            .Prompt("answer", q => q, new PromptOptions { Stream = true })
            .Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server));
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "When does it ship?", new StartWorkflowOptions { InstanceId = "sse-1" }, Token);
        var watcher = StreamWatcher.Start(host.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        watching.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Your order ships on Monday", result);
        Assert.True(Assert.Single(server.Requests).Streamed());
        Assert.Equal(["Your", " order", " ships", " on", " Monday"], watcher.Sequence("chat-1"));
        var updates = watcher.Updates.ToList();
        Assert.True(updates.FindLastIndex(u => u is StepProgressUpdate) < updates.FindIndex(u => u is StepCompletedEvent), "the deltas arrive before the step completes");
        Assert.Equal(new TokenUsage(21, 6, 27, 1), (await handle.GetTokenUsageAsync(Token)).Total);
    }

    [Fact]
    public async Task Agent_Streamed_ToolCallArgumentsSplitAcrossChunks_AreReassembledForTheTool()
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(
            OpenAIWire.ToolCall("call_7", "lookup_order", """{"orderId":"o-42","expedite":true}""", argumentChunks: 5),
            OpenAIWire.Text("Order o-42 is expedited."));
        var seen = new List<string>();
        var tool = AIFunctionFactory.Create(
            [Description("Looks an order up")] (string orderId, bool expedite) =>
            {
                lock (seen)
                {
                    seen.Add($"{orderId}:{expedite}");
                }

                return new { status = "packed" };
            },
            "lookup_order");
        var definition = WorkflowDefinition.Create<string>("openai-tool-chunks")
            .Agent("agent", q => q, new AgentOptions { Tools = [tool], Stream = true })
            .Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server));
        await using var _ = host;

        var result = await (await host.Client.StartAsync(definition, "status of o-42?", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Order o-42 is expedited.", result.Answer);
        Assert.Equal(["o-42:True"], seen);
        var second = server.Requests[1];
        Assert.Equal("o-42", OpenAIWire.SentToolCallArguments(second)!.Value.GetProperty("orderId").GetString());
        var toolMessage = second.Body.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.Equal("call_7", toolMessage.GetProperty("tool_call_id").GetString());
        Assert.Contains("packed", toolMessage.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal("lookup_order", server.Requests[0].Body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task RateLimited_RetryAfter_IsWaitedForOnTheHostsClockThenRetried()
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(OpenAIWire.Status(429, retryAfter: "7"), OpenAIWire.Text("after the wait"));
        var definition = WorkflowDefinition.Create<string>("openai-retry-after").Prompt("p", q => q).Build();
        var (host, time) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server), o =>
        {
            o.Resilience.RetryDelay = TimeSpan.FromSeconds(1);
            o.Resilience.AttemptTimeout = null;
        });
        await using var _ = host;
        server.Clock = time;
        var started = time.GetUtcNow();

        var handle = await host.Client.StartAsync(definition, "q", cancellationToken: Token);
        await Poll.UntilAsync(() => time.CountTimers(TimeSpan.FromSeconds(7)) == 1, "the retry waits for the Retry-After", cancellationToken: Token);
        var requestsWhileWaiting = server.Requests.Count;
        time.Clock.Advance(TimeSpan.FromSeconds(7));
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("after the wait", result);
        Assert.Equal(1, requestsWhileWaiting);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(started, server.Requests[0].ReceivedAt);
        Assert.Equal(started + TimeSpan.FromSeconds(7), server.Requests[1].ReceivedAt);
    }

    [Fact]
    public async Task ServerError_IsRetriedByWorkflowOnly_TheClientLibraryDoesNotRetryOnItsOwn()
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(OpenAIWire.Status(500), OpenAIWire.Status(503), OpenAIWire.Text("recovered"));
        var definition = WorkflowDefinition.Create<string>("openai-500").Prompt("p", q => q).Build();
        var (host, time) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server), o =>
        {
            o.Resilience.RetryDelay = TimeSpan.FromSeconds(2);
            o.Resilience.AttemptTimeout = null;
        });
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "q", cancellationToken: Token);
        await Poll.UntilAsync(() => time.CountTimers(TimeSpan.FromSeconds(2)) == 1, "the first retry is scheduled", cancellationToken: Token);
        var afterFirstFailure = server.Requests.Count;
        time.Clock.Advance(TimeSpan.FromSeconds(2));
        await Poll.UntilAsync(() => time.CountTimers(TimeSpan.FromSeconds(4)) == 1, "the second retry is scheduled, with backoff", cancellationToken: Token);
        var afterSecondFailure = server.Requests.Count;
        time.Clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal("recovered", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(1, afterFirstFailure);
        Assert.Equal(2, afterSecondFailure);
        Assert.Equal(3, server.Requests.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MalformedJson_IsATransientFailure_AndIsRetried(bool stream)
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(OpenAIWire.MalformedJson(), OpenAIWire.Text("well formed"));
        var definition = WorkflowDefinition.Create<string>("openai-malformed").Prompt("p", q => q, new PromptOptions { Stream = stream }).Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server));
        await using var _ = host;

        var result = await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("well formed", result);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task StreamCutMidway_CalledAgainWithinTheStep_WatchersGetAResetBeforeTheRetriedText_AndTheJournalHoldsOnlyTheFinalReply()
    {
        await using var server = await LocalServer.StartAsync();
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = OpenAIWire.CutStream("Your refund has", cut.Task);
        server.Enqueue(
            async (context, request) =>
            {
                await watching.Task.WaitAsync(context.RequestAborted);
                await partial(context, request);
            },
            OpenAIWire.Text("Your refund has been approved today."));
        var definition = WorkflowDefinition.Create<string>("openai-cut-in-call")
            .Prompt("reply", q => q, new PromptOptions { Stream = true })
            .Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server));
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "refund?", new StartWorkflowOptions { InstanceId = "cut-in-call" }, Token);
        var watcher = StreamWatcher.Start(host.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        watching.SetResult();
        await Poll.UntilAsync(() => watcher.TextOf("chat-1") == "Your refund has", "the watcher has the partial text", cancellationToken: Token);
        cut.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Your refund has been approved today.", result);
        var sequence = watcher.Sequence("chat-1");
        var reset = sequence.ToList().IndexOf("|reset|");
        Assert.Equal(["Your", " refund", " has"], sequence.Take(reset));
        Assert.Equal(result, string.Concat(sequence.Skip(reset + 1)));
        Assert.Equal(result, watcher.TextOf("chat-1"));
        var history = await handle.GetHistoryAsync(Token);
        var journaled = Assert.Single(history.OfType<StepSubResultRecordedEvent>());
        var text = journaled.Value.GetProperty("response").GetProperty("messages")[0].GetProperty("contents").EnumerateArray()
            .Where(c => c.GetProperty("$type").GetString() == "text").Select(c => c.GetProperty("text").GetString());
        Assert.Equal(result, string.Concat(text));
        Assert.Empty(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task StreamCutMidway_RetriesOff_StepRetried_WatchersGetAResetBeforeTheRetriedText_AndTheJournalHoldsOnlyTheFinalReply()
    {
        await using var server = await LocalServer.StartAsync();
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = OpenAIWire.CutStream("Your refund has", cut.Task);
        server.Enqueue(
            async (context, request) =>
            {
                await watching.Task.WaitAsync(context.RequestAborted);
                await partial(context, request);
            },
            OpenAIWire.Text("Your refund has been approved today."));
        var definition = WorkflowDefinition.Create<string>("openai-cut")
            .Prompt("reply", q => q, new PromptOptions { Stream = true }, StepRetry)
            .Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOpenAI("openai", server), o => o.Resilience.MaxRetryAttempts = 0);
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "refund?", new StartWorkflowOptions { InstanceId = "cut-1" }, Token);
        var watcher = StreamWatcher.Start(host.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        watching.SetResult();
        await Poll.UntilAsync(() => watcher.TextOf("chat-1") == "Your refund has", "the watcher has the partial text", cancellationToken: Token);
        cut.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Your refund has been approved today.", result);
        var sequence = watcher.Sequence("chat-1");
        var reset = sequence.ToList().IndexOf("|reset|");
        Assert.Equal(["Your", " refund", " has"], sequence.Take(reset));
        Assert.Equal(result, string.Concat(sequence.Skip(reset + 1)));
        Assert.Equal(result, watcher.TextOf("chat-1"));
        var history = await handle.GetHistoryAsync(Token);
        var journaled = Assert.Single(history.OfType<StepSubResultRecordedEvent>());
        var text = journaled.Value.GetProperty("response").GetProperty("messages")[0].GetProperty("contents").EnumerateArray()
            .Where(c => c.GetProperty("$type").GetString() == "text").Select(c => c.GetProperty("text").GetString());
        Assert.Equal(result, string.Concat(text));
        Assert.Single(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task ConnectionRefused_IsATransientFailure_ThatFailsOver()
    {
        await using var backup = await LocalServer.StartAsync();
        backup.Enqueue(OpenAIWire.Text("from backup"));
        var closed = ClosedPort();
        var definition = WorkflowDefinition.Create<string>("openai-refused").Prompt("p", q => q).Build();
        var (host, _) = await ProviderHost.StartAsync(
            definition,
            b => b.AddOpenAIProvider("down", o =>
                {
                    o.Endpoint = new Uri($"http://127.0.0.1:{closed}/v1");
                    o.ApiKey = ProviderHost.ApiKey;
                    o.Model = "m";
                })
                .AddOpenAI("backup", backup)
                .AddChatFailover("chain", "down", "backup"),
            o =>
            {
                o.DefaultProvider = "chain";
                o.Resilience.MaxRetryAttempts = 0;
            });
        await using var _ = host;

        Assert.Equal("from backup", await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
