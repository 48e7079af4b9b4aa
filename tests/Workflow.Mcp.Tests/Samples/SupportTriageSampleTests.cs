using System.Diagnostics;
using System.Text.Json.Nodes;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Samples;

/// <summary>The SupportTriage sample runs as its own process, as a user runs it, on its scripted model (no API key):
/// its agent's tools are those of the SupportDesk.McpServer process it starts over stdio, and the refund reaches
/// that server with the idempotency key of the agent's tool call, which the model never sees.</summary>
public sealed class SupportTriageSampleTests
{
    private static readonly string SampleDll = ServerProcess.Locate("SupportTriage");
    private static readonly string ServerDll = ServerProcess.Locate("SupportDesk.McpServer");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SupportTriage_ScriptedModel_TriagesFourTicketsWithTheSupportDeskServersToolsAndRefundsOnceWithTheInjectedKey()
    {
        var output = await RunSampleAsync();

        Assert.Contains("No provider configured (OPENAI_API_KEY or OLLAMA_URL): running on a scripted local model.", output.Lines);
        Assert.Contains("Tools of MCP server support-desk: lookup_order, refund_order, search_knowledge_base", output.Lines);
        Assert.Equal(["T-1", "T-2", "T-3", "T-4"], output.Lines.Where(static l => l.StartsWith("== ", StringComparison.Ordinal)).Select(static l => l[3..6]));
        Assert.Equal(4, output.Lines.Count(static l => l.StartsWith("reply: ", StringComparison.Ordinal)));

        // The two refund tickets' first classification breaks the schema and is repaired, naming the JSON path.
        Assert.Equal(2, output.Lines.Count(static l => l.Contains("does not match the schema of Triage ($.urgency (maximum))", StringComparison.Ordinal)));

        // T-1: the server's order drives the refund; the approver and the model never see the key; the server got it.
        var t1 = output.Ticket("T-1");
        Assert.Contains("approval asked: refund_order {\"orderId\":\"A-1001\",\"amount\":30,\"reason\":\"A key of my new keyboard arrived broken, so I would keep it for a partial refund of 30 EUR.\"} -> approved", t1);
        var (lookupArguments, order) = ToolCall(t1, "lookup_order");
        Assert.Equal("A-1001", lookupArguments["orderId"]!.GetValue<string>());
        Assert.Equal("Ada Lovelace", order!["customer"]!.GetValue<string>());
        var (refundArguments, refund) = ToolCall(t1, "refund_order");
        Assert.Equal(["orderId", "amount", "reason"], refundArguments.Select(static p => p.Key));
        Assert.Equal("RF-0001", refund!["refundId"]!.GetValue<string>());
        Assert.Equal(30m, refund["amount"]!.GetValue<decimal>());
        Assert.Equal("T-1/route/resolve/tool-2", refund["idempotencyKey"]!.GetValue<string>());
        Assert.Contains("reply: We are sorry your order A-1001 (1 x Mechanical keyboard) arrived broken. We have refunded 30.00 EUR (refund RF-0001); the money reaches your card within 5 business days.", t1);

        // T-2: the refund of the laptop's total is rejected; the rejection goes back to the model and nothing is refunded.
        var t2 = output.Ticket("T-2");
        Assert.Contains("approval asked: refund_order {\"orderId\":\"A-1003\",\"amount\":1249.00,\"reason\":\"My new laptop arrived broken.\"} -> rejected", t2);
        Assert.Contains(t2, static l => l.StartsWith("tool refund_order ", StringComparison.Ordinal)
            && l.EndsWith("-> The call was not run: support-lead rejected it. Their comment: Over 100 EUR: the item must be returned first. Do not call it again with the same arguments; go on without it, or explain in your answer what you would need.", StringComparison.Ordinal));
        Assert.Contains("reply: We are sorry your order A-1003 (1 x 14-inch laptop) arrived broken. A colleague will contact you about the return before we refund it.", t2);

        // T-3: a late order: the lookup and the knowledge base answer; T-4: a question, answered without tools.
        var t3 = output.Ticket("T-3");
        Assert.Equal("KB-3", ToolCall(t3, "search_knowledge_base").Result!["articles"]![0]!["id"]!.GetValue<string>());
        Assert.Contains("reply: Thank you for your patience. Your order A-1002 (2 x Wireless mouse) has shipped. Orders ship within 2 business days. Delivery takes 1 to 3 days in the EU. Customers get a tracking link when the order ships.", t3);
        var t4 = output.Ticket("T-4");
        Assert.DoesNotContain(t4, static l => l.StartsWith("tool ", StringComparison.Ordinal));
        Assert.Contains("step route/reply completed", t4);

        Assert.Equal("Refunds issued by support-desk: 1 (RF-0001)", output.Lines[^1]);
    }

    [Fact]
    public async Task SupportTriage_ServerDllConfigured_TheToolResultsComeFromThatServerProcessAndItsData()
    {
        // A copy of the server whose bundled data names the keyboard differently: only that process can answer with it.
        var copy = Directory.CreateTempSubdirectory("support-desk-");
        try
        {
            var source = Path.GetDirectoryName(ServerDll)!;
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(copy.FullName, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var orders = Path.Combine(copy.FullName, "Data", "orders.json");
            await File.WriteAllTextAsync(orders, (await File.ReadAllTextAsync(orders, Ct)).Replace("Mechanical keyboard", "Split keyboard (copy)", StringComparison.Ordinal), Ct);

            var output = await RunSampleAsync("--SupportDesk:ServerDll", Path.Combine(copy.FullName, Path.GetFileName(ServerDll)));

            var t1 = output.Ticket("T-1");
            Assert.Equal("Split keyboard (copy)", ToolCall(t1, "lookup_order").Result!["items"]![0]!["name"]!.GetValue<string>());
            Assert.Contains("reply: We are sorry your order A-1001 (1 x Split keyboard (copy)) arrived broken. We have refunded 30.00 EUR (refund RF-0001); the money reaches your card within 5 business days.", t1);
            Assert.Equal("T-1/route/resolve/tool-2", ToolCall(t1, "refund_order").Result!["idempotencyKey"]!.GetValue<string>());
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>Finds the line <c>tool {name} {arguments} -> {result}</c> the sample prints for an agent's tool call.</summary>
    private static (JsonObject Arguments, JsonNode? Result) ToolCall(IReadOnlyList<string> lines, string tool)
    {
        var prefix = $"tool {tool} ";
        var line = Assert.Single(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        var separator = line.IndexOf("} -> ", StringComparison.Ordinal);
        var arguments = JsonNode.Parse(line[prefix.Length..(separator + 1)])!.AsObject();
        var result = line[(separator + 5)..];
        return (arguments, result.StartsWith('{') ? JsonNode.Parse(result) : JsonValue.Create(result));
    }

    /// <summary>Runs the sample as a user does, with no model configured, until it exits.</summary>
    private static async Task<SampleOutput> RunSampleAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [SampleDll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var variable in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OLLAMA_URL", "OLLAMA_MODEL" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct).OrHang();
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"The sample exited with {process.ExitCode}.\n{output}\n{await stderr}");
            return new SampleOutput(output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private sealed record SampleOutput(string[] Lines)
    {
        /// <summary>The lines printed for one ticket: from its header to the next ticket's or the end.</summary>
        public IReadOnlyList<string> Ticket(string id) =>
            [.. Lines.SkipWhile(l => !l.StartsWith($"== {id} ", StringComparison.Ordinal)).TakeWhile((l, i) => i == 0 || !l.StartsWith("== ", StringComparison.Ordinal))];
    }
}
