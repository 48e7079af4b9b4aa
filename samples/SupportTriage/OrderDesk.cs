using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using Workflow.AI;

namespace SupportTriage;

/// <summary>A pretend order system: the agent's tools. A real one would call the shop's API.</summary>
public sealed class OrderDesk
{
    private readonly Dictionary<string, (string Item, decimal Price, string Status)> _orders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A-1001"] = ("espresso machine", 349.00m, "delivered broken on 2026-11-20"),
        ["A-1002"] = ("coffee grinder", 89.90m, "in transit, due 2026-11-28"),
        ["A-1003"] = ("milk jug", 19.50m, "delivered on 2026-11-18"),
    };

    private readonly ConcurrentDictionary<string, string> _refunds = new(StringComparer.Ordinal);

    /// <summary>Gets the refunds made, by idempotency key.</summary>
    public IReadOnlyDictionary<string, string> Refunds => _refunds;

    [Description("Looks an order up: its item, price and delivery status.")]
    public string LookupOrder([Description("The order id, for example A-1001.")] string orderId) =>
        _orders.TryGetValue(orderId, out var order)
            ? string.Create(CultureInfo.InvariantCulture, $"Order {orderId}: {order.Item}, {order.Price:0.00} EUR, {order.Status}.")
            : $"There is no order {orderId}.";

    [Description("Refunds an order, in full or in part. Needs a person's approval.")]
    public string RefundOrder(
        [Description("The order id.")] string orderId,
        [Description("The amount to refund, in EUR.")] decimal amount)
    {
        // The key is the same however often this call is retried or recovered, so the payment side refunds once.
        var key = ToolCallContext.Current?.IdempotencyKey ?? throw new InvalidOperationException("Refunds run only as a tool call of an agent step.");
        var receipt = _refunds.GetOrAdd(key, _ => string.Create(CultureInfo.InvariantCulture, $"refund of {amount:0.00} EUR on order {orderId}"));
        return $"Done: {receipt} (reference {key}).";
    }
}
