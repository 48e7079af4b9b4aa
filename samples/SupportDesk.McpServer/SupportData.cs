using System.Collections.Concurrent;
using System.Text.Json;

namespace SupportDesk.McpServer;

/// <summary>An order of the bundled data set.</summary>
public sealed record Order(string Id, string Customer, string Email, string Status, decimal Total, IReadOnlyList<OrderLine> Items);

/// <summary>A line of an order.</summary>
public sealed record OrderLine(string Sku, string Name, int Quantity, decimal Price);

/// <summary>A knowledge-base article.</summary>
public sealed record Article(string Id, string Title, string Body);

/// <summary>A refund that was issued, with the idempotency key it was issued under.</summary>
public sealed record Refund(string RefundId, string OrderId, decimal Amount, string Reason, string IdempotencyKey);

/// <summary>The bundled orders and articles (Data/*.json), and the refunds issued since the server started.</summary>
public sealed class SupportData
{
    private readonly ConcurrentDictionary<string, Lazy<Refund>> _refunds = new(StringComparer.Ordinal);
    private int _issued;

    public SupportData(string directory)
    {
        Orders = Read<Order>(Path.Combine(directory, "orders.json")).ToDictionary(static o => o.Id, StringComparer.OrdinalIgnoreCase);
        Articles = Read<Article>(Path.Combine(directory, "knowledge-base.json"));
    }

    public IReadOnlyDictionary<string, Order> Orders { get; }

    public IReadOnlyList<Article> Articles { get; }

    /// <summary>Issues a refund once per idempotency key: asking again with the same key returns the first refund.</summary>
    public Refund IssueRefund(string idempotencyKey, string orderId, decimal amount, string reason) =>
        _refunds.GetOrAdd(idempotencyKey, _ => new Lazy<Refund>(() => new Refund($"RF-{Interlocked.Increment(ref _issued):0000}", orderId, amount, reason, idempotencyKey))).Value;

    public decimal RefundedAmount(string orderId) => _refunds.Values.Select(static r => r.Value).Where(r => r.OrderId == orderId).Sum(static r => r.Amount);

    private static List<T> Read<T>(string path) =>
        JsonSerializer.Deserialize<List<T>>(File.ReadAllText(path), JsonSerializerOptions.Web)
        ?? throw new InvalidDataException($"{path} holds no data.");
}
