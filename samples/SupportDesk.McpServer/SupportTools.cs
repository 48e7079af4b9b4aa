using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace SupportDesk.McpServer;

/// <summary>The articles that match a search, best first. Structured results are objects: protocol versions before
/// 2026-07-28 do not allow a bare array.</summary>
public sealed record KnowledgeBaseMatches(IReadOnlyList<Article> Articles);

/// <summary>The support desk's tools.</summary>
[McpServerToolType]
public sealed class SupportTools(SupportData data)
{
    [McpServerTool(Name = "lookup_order", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Looks up an order by its id: customer, status, total and items.")]
    public Order LookupOrder([Description("The order id, for example 'A-1001'.")] string orderId) =>
        data.Orders.TryGetValue(orderId, out var order)
            ? order
            : throw new McpException($"No order '{orderId}' exists. Order ids look like 'A-1001'.");

    [McpServerTool(Name = "refund_order", ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Refunds part or all of a delivered order. Calling again with the same idempotencyKey returns the first refund instead of paying twice.")]
    public Refund RefundOrder(
        [Description("The order id.")] string orderId,
        [Description("The amount to refund, in euros; at most what is left to refund.")] decimal amount,
        [Description("Why the order is refunded.")] string reason,
        [Description("A key unique to this refund, such as the workflow step's idempotency key.")] string idempotencyKey)
    {
        var order = LookupOrder(orderId);
        if (order.Status != "delivered")
        {
            throw new McpException($"Order '{orderId}' is {order.Status}; only delivered orders can be refunded.");
        }

        var left = order.Total - data.RefundedAmount(orderId);
        return amount <= 0 || amount > left
            ? throw new McpException($"The amount must be between 0 and {left:0.00} EUR (what is left to refund on '{orderId}'), not {amount:0.00}.")
            : data.IssueRefund(idempotencyKey, orderId, amount, reason);
    }

    [McpServerTool(Name = "search_knowledge_base", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Searches the support knowledge base; returns the best-matching articles first.")]
    public KnowledgeBaseMatches SearchKnowledgeBase(
        [Description("Words to look for, for example 'refund damaged'.")] string query,
        [Description("How many articles to return, 1 to 5.")] int maxResults = 3)
    {
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new KnowledgeBaseMatches([.. data.Articles
            .Select(a => (Article: a, Score: words.Count(w => a.Title.Contains(w, StringComparison.OrdinalIgnoreCase) || a.Body.Contains(w, StringComparison.OrdinalIgnoreCase))))
            .Where(static m => m.Score > 0)
            .OrderByDescending(static m => m.Score)
            .ThenBy(static m => m.Article.Id, StringComparer.Ordinal)
            .Take(Math.Clamp(maxResults, 1, 5))
            .Select(static m => m.Article)]);
    }
}
